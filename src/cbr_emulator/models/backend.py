"""The emulator's state and the one way to act on it: ``Backend.run(fn)``.

``run`` takes the store's lock, first performs every piece of due work up to "now" (asynchronous
transitions, policy triggers, retention; see scheduler.py), then calls ``fn`` in one transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cbr_emulator.auth import Authenticator
from cbr_emulator.clock import VirtualClock, format_timestamp
from cbr_emulator.config import Settings
from cbr_emulator.models import scheduler
from cbr_emulator.models.common import Session
from cbr_emulator.models.inventory import Inventory
from cbr_emulator.models.inventory_default import default_inventory
from cbr_emulator.store import Store, Tx

T = TypeVar("T")


_INVENTORY_KEY = "inventory"  # meta entry holding the last inventory the control API set


def load_inventory(path: Path | None, stored: str | None = None) -> Inventory:
    """The inventory file given at start; else the one last set through the control API and kept
    in the store; else the built-in one."""
    if path is not None:
        return Inventory.from_file(path)
    return Inventory(json.loads(stored) if stored else default_inventory())


class Backend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        with self.store.transaction() as tx:
            offset = float(tx.get_meta("clock_offset") or 0.0)
            self._stored_inventory = tx.get_meta(_INVENTORY_KEY)
        self.clock = VirtualClock(offset)
        self.inventory = load_inventory(settings.inventory_path, self._stored_inventory)
        self.async_delay = settings.async_delay
        self.authenticator = Authenticator(settings.credentials, settings.clock_skew_seconds)
        self._user_ids = {c.project_id: c.user_id for c in settings.credentials}
        # Request handlers run the (blocking) SQLite work here; owning the pool lets close() join it.
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="cbr-emulator-worker")

    def _session(self, tx: Tx, now: datetime) -> Session:
        projects = {p: f"user-{p}" for p in self.inventory.projects()} | self._user_ids
        return Session(
            tx=tx, now=now, inventory=self.inventory, async_delay=self.async_delay, projects=projects
        )

    def run(self, fn: Callable[[Session], T]) -> T:
        with self.store.lock:
            now = self.clock.now()
            self._catch_up(now)
            with self.store.transaction() as tx:
                return fn(self._session(tx, now))

    async def run_async(self, fn: Callable[..., T], *args: object) -> T:
        """Call ``fn(*args)`` on the backend's worker threads (``fn`` is usually ``self.run``)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def _catch_up(self, now: datetime) -> None:
        with self.store.transaction() as tx:
            scheduler.run_due(self._session(tx, now))

    # --- control API ------------------------------------------------------------------------

    def clock_state(self) -> dict[str, Any]:
        return {"now": format_timestamp(self.clock.now()), "offset_seconds": self.clock.offset_seconds}

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move virtual time forward and run, in time order, everything that became due."""
        with self.store.lock:
            now = self.clock.advance(seconds)
            with self.store.transaction() as tx:
                tx.set_meta("clock_offset", repr(self.clock.offset_seconds))
            self._catch_up(now)
        return self.clock_state()

    def set_async_delay(self, seconds: float) -> None:
        with self.store.lock:
            self.async_delay = seconds

    def set_inventory(self, document: Any) -> None:
        inventory = Inventory(document)  # raises InventoryError before anything changes
        with self.store.lock:
            self._stored_inventory = json.dumps(inventory.as_json())
            with self.store.transaction() as tx:  # kept for a restart on the same store
                tx.set_meta(_INVENTORY_KEY, self._stored_inventory)
            self.inventory = inventory

    def reset(self) -> None:
        """Forget every vault, policy, backup, task...; the clock goes back to real time."""
        with self.store.lock:
            self.store.wipe()
            self.clock.reset()
            if self._stored_inventory is not None:  # the inventory stays, as it does in memory
                with self.store.transaction() as tx:
                    tx.set_meta(_INVENTORY_KEY, self._stored_inventory)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.store.close()
