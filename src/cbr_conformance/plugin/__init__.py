"""pytest plugin (entry point `pytest11`) of the suite, one module per concern.

Run the suite with `pytest conformance/ [--target-url URL ...]` or `cbr-conformance run`; with no
URL the embedded emulator is started for the session.

- options: the command-line options, derived from the settings registry, and the run's config;
- workspace: the run's workspace in this process (target/workspace.py), on pytest's stash;
- collection: test order and the read-only filter, and each worker's plan of its tests;
- distribution: the suite's scheduler for pytest-xdist's workers (schedule, scheduler), unless the
  user chose a `--dist`;
- guard: hand-built tests may not send requests the spec forbids unannounced;
- reporting: what each test report carries for summary.json and the HTML report;
- fixtures: the target and the clients tests use, with their cleanups and read-backs;
- resource_fixtures: what tests lease and make, and the backups the run shares;
- scenario_fixtures: a scenario's steps and notes, the clock it may move;
- shared: resources made once for a run's workers, deleted when all are done;
- memory: the garbage collector's work in the run's processes.
"""

pytest_plugins = [
    "cbr_conformance.plugin.options",
    "cbr_conformance.plugin.workspace",
    "cbr_conformance.plugin.distribution",
    "cbr_conformance.plugin.collection",
    "cbr_conformance.plugin.guard",
    "cbr_conformance.plugin.reporting",
    "cbr_conformance.plugin.fixtures",
    "cbr_conformance.plugin.resource_fixtures",
    "cbr_conformance.plugin.scenario_fixtures",
    "cbr_conformance.plugin.shared",
    "cbr_conformance.plugin.memory",
]
