"""Shards of one run (pytest-split's groups) merged into one run's summary and report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.contract.exchange_facts import ExchangeFacts
from cbr_conformance.contract.spec import Contract
from cbr_conformance.results.exercised import contract_coverage
from cbr_conformance.results.merge import _merged_coverage

SUBSET = ["-k", "test_show_unknown or test_delete_unknown", "-n", "0"]


def _shard(tmp_path: Path, group: int) -> Path:
    folder = tmp_path / f"shard{group}"
    code = cli.main(["run", "--report-dir", str(folder), *SUBSET, "--splits", "2", "--group", str(group)])
    assert code == cli.EXIT_OK
    return folder / "latest"


def test_two_shards_merge_into_the_whole_run(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    first, second = _shard(tmp_path, 1), _shard(tmp_path, 2)
    parts = [json.loads((shard / "summary.json").read_text()) for shard in (first, second)]
    ran = [{t["nodeid"] for t in part["tests"]} for part in parts]
    assert ran[0] and ran[1] and not ran[0] & ran[1]  # each shard ran its own part

    merged_folder = tmp_path / "merged"
    code = cli.main(["report", "--merge", str(first), str(second), "--into", str(merged_folder)])
    assert code == cli.EXIT_OK
    merged = json.loads((merged_folder / "summary.json").read_text())
    assert {t["nodeid"] for t in merged["tests"]} == ran[0] | ran[1]
    assert merged["totals"]["passed"] == sum(p["totals"]["passed"] for p in parts)
    assert merged["conforms"] and merged["header"]["shards"] == 2
    # an item either shard exercised is exercised
    hits = [p["coverage"]["overall"]["responses"]["hit"] for p in parts]
    assert merged["coverage"]["overall"]["responses"]["hit"] >= max(hits)
    assert "Conformance matrix" in (merged_folder / "index.html").read_text()


def test_shards_of_different_profiles_are_not_one_run(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    first = _shard(tmp_path, 1)
    other = json.loads((first / "summary.json").read_text())
    other["header"]["profile"] = "strict"
    stray = tmp_path / "stray.json"
    stray.write_text(json.dumps(other))
    code = cli.main(["report", "--merge", str(first), str(stray), "--into", str(tmp_path / "m")])
    assert code == cli.EXIT_USAGE


def test_an_item_is_timed_in_the_merge_only_if_no_shard_exercised_it_steadily() -> None:
    contract = Contract.load()
    polled = ExchangeFacts("show_vault", statuses={404}, timed=True)
    steady = ExchangeFacts("show_vault", statuses={404})
    timed_404 = {"operation": "show_vault", "category": "responses", "item": "404"}
    shards = [contract_coverage([polled], contract), contract_coverage([], contract)]
    assert _merged_coverage(shards)["timed"] == [timed_404]  # type: ignore[index]
    shards = [contract_coverage([polled], contract), contract_coverage([steady], contract)]
    assert _merged_coverage(shards)["timed"] == []  # type: ignore[index]
