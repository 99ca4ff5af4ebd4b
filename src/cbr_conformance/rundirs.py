"""The folders reports are written to: one per run (or proxy session), and `latest` pointing at
the newest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


class RunDirTaken(RuntimeError):
    """Every folder name for this second is taken."""


def new_run_dir(report_root: Path, started: dt.datetime) -> Path:
    """A folder of this run's own: a run started in the same second as another never shares
    (or, failing, deletes) the other's folder."""
    report_root.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        run_dir = report_root / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RunDirTaken(f"{report_root} already holds 999 runs started at {stamp}")


def link_latest(report_root: Path, run_dir: Path) -> None:
    latest = report_root / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(run_dir.name, target_is_directory=True)
