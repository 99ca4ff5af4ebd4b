"""Stateful testing: schemathesis walks the spec's OpenAPI links (create a vault, then show, update,
add resources to, back up and delete it...) as a hypothesis state machine, sending every step
through the suite's client so that auth, recording and the contract checks apply.

- `machine`: the state machine and `run_state_machine`, its entry point (loads schemathesis);
- `steps`: a generated step made into the request sent, on the run's resources;
- `budget`: when an example may start, and how long a failure is shrunk;
- `record`: what a run did (`MachineRun`), and what it could not test and why;
- `needs`: what an operation needs that the machine cannot make itself;
- `families`: the families of linked operations walked one by one (`walk_links`);
- `failure`: a failing chain, naming the step that failed (`ChainFailed`).

Importing the package loads nothing more: the report plugin reads `failure` in every worker, and
a worker that runs no generated test never loads schemathesis or hypothesis.
"""
