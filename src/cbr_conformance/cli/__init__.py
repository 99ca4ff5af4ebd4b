"""The `cbr-conformance` command: one module per subcommand over a shared core.

- parser: the command line and `main` (its help is the command's description and exit codes);
- exits: the exit codes a CI gate reads, and the failures that map to them;
- common: what every subcommand shares (settings, contract, pytest's arguments for the suite);
- run, plan, preflight: `run` (the suite under pytest, its header and workers), `run --plan`, and
  the checks of a URL target before a run;
- results_out: a run's results on the console, and the gate against a baseline;
- diff_command, report_command, list_command, inventory_command, cleanup_command, proxy_command,
  spec_command, certify_command (certify and verify): the other subcommands.

`run` gets the run's typed summary back from the run itself (the results collector it plugs into
pytest), not from a file.
"""

from cbr_conformance.cli.exits import (
    EXIT_INTERRUPTED,
    EXIT_LEFTOVERS,
    EXIT_NONCONFORMANT,
    EXIT_OK,
    EXIT_SUITE_ERROR,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from cbr_conformance.cli.parser import build_parser, main
from cbr_conformance.cli.results_out import gate_on_baseline

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_LEFTOVERS",
    "EXIT_NONCONFORMANT",
    "EXIT_OK",
    "EXIT_SUITE_ERROR",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "build_parser",
    "gate_on_baseline",
    "main",
]
