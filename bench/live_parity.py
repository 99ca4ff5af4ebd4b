"""Parity of the emulator with recordings of the live CBR service, per operation and overall.

The recordings are VCR cassettes of the public huaweicloud/cloud-custodian repository
(`tools/c7n_huaweicloud/tests/data/flights/`, recorded against ap-southeast-1 in 2025). They are
not part of this project: export them and name the folder.

    git clone --depth 1 https://github.com/huaweicloud/cloud-custodian
    python bench/live_parity.py cloud-custodian/tools/c7n_huaweicloud/tests/data/flights

Each cassette's CBR v3 exchanges are kept or left out (hand-made mocks and other APIs, by the rules
of `tests/emulator/live_replay.py:leave_out`; the left-out list is printed), then replayed on a
fresh `cbr-emulator` on loopback after making the world the cassette presupposes (its resources,
vaults, backups and policies). Every field of every recorded answer is compared; see
`live_replay.py` for how ids, times and data-dependent sizes are normalised. The divergences that
remain are printed, each marked known (with its evidence, `live_replay.KNOWN`) or new.

`--derive CASSETTE` prints a cassette's kept exchanges as a fixture for
`tests/emulator/test_live_parity.py` (name its source in the fixture).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for tests.emulator

from tests.emulator.live_replay import (
    Compared,
    Emulator,
    Exchange,
    LeftOut,
    Replayed,
    Tally,
    known_at,
    read_cassette,
    replay,
    reset,
    split,
    tally,
)

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer

ASYNC_DELAY = 5.0
GOAL = 0.95  # of the compared fields equal, overall


def _cassettes(folder: Path) -> list[tuple[str, list[Exchange]]]:
    found = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            exchanges = read_cassette(path.read_text(encoding="utf-8"), path.name)
        except (yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError) as error:
            print(f"skipped {path.name}: not a VCR cassette ({type(error).__name__})", file=sys.stderr)
            continue
        if exchanges:
            found.append((path.name, exchanges))
    return found


def _print_left_out(left: list[LeftOut]) -> None:
    print(f"\nLeft out: {len(left)} exchanges")
    for item in left:
        print(f"  {item.where:<55} {item.operation:<24} {item.rule}: {item.detail}")


def _pct(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def _print_parity(done: list[Replayed]) -> Tally:
    per_operation, overall = tally(done)
    header = ("operation", "exchanges", "status equal", "fields", "present", "same type", "equal")
    rows = [
        (
            name,
            str(t.exchanges),
            f"{t.statuses_equal}/{t.exchanges}",
            str(t.fields),
            _pct(t.present, t.fields),
            _pct(t.same_type, t.fields),
            _pct(t.equal, t.fields),
        )
        for name, t in [*per_operation.items(), ("overall", overall)]
    ]
    print()
    print("| " + " | ".join(header) + " |")
    print("| --- |" + " ---: |" * (len(header) - 1))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return overall


def _print_divergences(done: list[Replayed]) -> None:
    grouped: dict[tuple[str, str, str], list[Compared]] = defaultdict(list)
    for replayed in done:
        for field in replayed.fields:
            if not field.equal:
                what = "absent" if not field.present else ("type" if not field.same_type else "value")
                grouped[(field.operation, field.path, what)].append(field)
    print(f"\nDivergences: {len(grouped)} (operation, field, what differs)")
    for (operation, path, what), fields in sorted(grouped.items()):
        known = known_at(operation, path)
        first = fields[0]
        example = f"live {json.dumps(first.recorded)[:40]} / emulator {json.dumps(first.emulated)[:40]}"
        mark = f"known: {known.why}" if known else "NEW"
        print(f"  {operation:<22} {path:<45} {what:<6} x{len(fields):<3} {example}  [{mark}]")
    extra: dict[tuple[str, str], int] = defaultdict(int)
    for replayed in done:
        for path in replayed.only_emulated:
            extra[(replayed.exchange.operation or "-", path)] += 1
    if extra:
        print("\nFields the emulator answers that no recording has (not counted):")
        for (operation, path), count in sorted(extra.items()):
            print(f"  {operation:<22} {path} x{count}")
    print("\nStatuses that differ:")
    for replayed in done:
        if replayed.status != replayed.exchange.status:
            known = known_at(replayed.exchange.operation or "-", "(status)")
            mark = f"known: {known.why}" if known else "NEW"
            live = f"live {replayed.exchange.status}, emulator {replayed.status}"
            print(f"  status of {replayed.exchange.where}: {live}  [{mark}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("flights", type=Path, help="folder of the VCR cassettes (cloud-custodian's flights)")
    parser.add_argument(
        "--derive", metavar="CASSETTE", help="print this cassette's kept exchanges as a fixture"
    )
    args = parser.parse_args(argv)
    if not args.flights.is_dir():
        print(f"live_parity: {args.flights} is not a folder of cassettes", file=sys.stderr)
        return 2
    cassettes = _cassettes(args.flights)
    if args.derive:
        [exchanges] = [e for name, e in cassettes if name == args.derive] or [[]]
        kept, _ = split(exchanges)
        fixture = {"name": args.derive, "exchanges": [e.as_fixture() for e in kept]}
        print(json.dumps(fixture, indent=1, ensure_ascii=False))
        return 0
    first = DEFAULT_CREDENTIALS[0]
    left_all: list[LeftOut] = []
    done: list[Replayed] = []
    with (
        EmulatorServer(async_delay=ASYNC_DELAY) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        emulator = Emulator(client, first.project_id, first.tokens[0], ASYNC_DELAY)
        inventory = emulator.control("GET", "/inventory")
        for _name, exchanges in cassettes:
            kept, left = split(exchanges)
            left_all += left
            if kept:
                reset(emulator, inventory)
                done += replay(emulator, kept)
    print(f"{len(cassettes)} cassettes with CBR v3 exchanges; {len(done)} exchanges replayed")
    _print_left_out(left_all)
    overall = _print_parity(done)
    _print_divergences(done)
    return 0 if overall.fields and overall.share_equal >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
