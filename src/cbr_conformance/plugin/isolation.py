"""The pytest plugins a run of the suite loads: its own, whatever else the environment has.

pytest loads every plugin installed in the environment. One the user installed for other projects
can change how the suite runs (pytest-randomly reorders tests and reseeds, pytest-rerunfailures
runs a failure again until it passes: a false pass), and each one costs every worker its import
(anyio's imported trio on one machine: 0.15 s of CPU a worker, a dozen workers a run). A run loads
the plugins of the suite's own dependencies; another is named with `-p` among the pytest arguments,
where any other pytest option of the run is given too (PYTEST_ADDOPTS is not read).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

AUTOLOAD_OFF = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
ADDOPTS = "PYTEST_ADDOPTS"
# pytest-xdist (workers), pytest-html with the metadata it reports, pytest-split (sharding), the suite
SUITE_PLUGINS = (
    "xdist.plugin",
    "pytest_metadata.plugin",
    "pytest_html.plugin",
    "pytest_split.plugin",
    "cbr_conformance.plugin",
)


def plugin_args() -> list[str]:
    """pytest arguments that load the suite's plugins by name."""
    return [arg for name in SUITE_PLUGINS for arg in ("-p", name)]


@contextmanager
def only_named_plugins() -> Iterator[None]:
    """While inside: pytest (and the workers it starts, which inherit the environment) loads only
    the plugins named with -p, and takes no options from PYTEST_ADDOPTS: options set there for
    other projects' tests (-x, -v, -p, a selection) would change what the run tests or prints."""
    saved = {name: os.environ.get(name) for name in (AUTOLOAD_OFF, ADDOPTS)}
    os.environ[AUTOLOAD_OFF] = "1"
    os.environ.pop(ADDOPTS, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
