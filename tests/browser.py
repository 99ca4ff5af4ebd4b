"""A real headless browser for the tests that read the suite's HTML pages as a person would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
NO_BROWSER = "no Chromium: .ci/run installs Debian's chromium"
# A headless browser on a machine without network: no background requests, no sandbox (root in CI).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser(*args: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    """Chromium run once with `args`, in a profile of its own."""
    assert BROWSER is not None
    command = [BROWSER, *FLAGS, f"--user-data-dir={user_data}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
