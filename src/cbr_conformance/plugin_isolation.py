"""The pytest plugins a run of the suite loads: its own, whatever else the environment has.

pytest loads every plugin installed in the environment. One the user installed for other projects
can change how the suite runs (pytest-randomly reorders tests and reseeds, pytest-rerunfailures
runs a failure again until it passes: a false pass), and each one costs every worker its import
(anyio's imported trio on one machine: 0.15 s of CPU a worker, a dozen workers a run). A run loads
the plugins of the suite's own dependencies; another is named with `-p` among the pytest arguments.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

AUTOLOAD_OFF = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
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
    the plugins named with -p."""
    saved = os.environ.get(AUTOLOAD_OFF)
    os.environ[AUTOLOAD_OFF] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(AUTOLOAD_OFF, None)
        else:
            os.environ[AUTOLOAD_OFF] = saved
