"""Each test's outcome is decided by where its failure came from, never by its text: only the
target's behaviour makes a violation; the suite's own bug is a suite error, with its own exit
code; what the suite could not do is not tested, with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cbr_conformance import cli

PROBE = """
import pytest
from cbr_conformance.outcome import Why, not_tested

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-ok")
def test_list_answers(cbr):
    assert cbr.call("list_vaults", query={"limit": 1}).status == 200

@pytest.mark.cbr(operation="show_vault", kind="contract", id="probe-suite-bug")
def test_a_bug_of_the_suite(cbr):
    {}["the suite's own KeyError"]

@pytest.mark.cbr(operation="show_policy", kind="contract", id="probe-no-generation")
def test_generation_gives_up():
    from hypothesis.errors import Unsatisfiable
    raise Unsatisfiable("could not satisfy the rules")

@pytest.mark.cbr(operation="list_policies", kind="contract", id="probe-typed-skip")
def test_a_typed_skip():
    not_tested(Why.INVENTORY, "the inventory has no OS::Cinder::Volume")
"""

RULE = """
import pytest

@pytest.mark.cbr(operation="list_vaults", kind="contract", id="probe-rule")
def test_a_rule_of_the_reference(cbr):
    assert cbr.call("list_vaults", query={"limit": 1}).status == 201, "4.4.3: list answers 201"
"""


def _probe(tmp_path: Path, text: str, name: str) -> Path:
    probe = tmp_path / "probe" / f"test_probe_{name}.py"  # one module name per probe: pytest imports each
    probe.parent.mkdir(exist_ok=True)
    probe.write_text(text)
    return probe


def _summary(reports: Path) -> dict[str, object]:
    summary: dict[str, object] = json.loads((reports / "latest" / "summary.json").read_text())
    return summary


def _outcomes(summary: dict[str, object]) -> dict[str, tuple[str, str | None]]:
    tests = summary["tests"]
    assert isinstance(tests, list)
    return {t["test_id"]: (t["outcome"], t["why"]) for t in tests}


def test_a_suite_bug_is_a_suite_error_and_never_a_violation(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = _probe(tmp_path, PROBE, "outcomes")
    code = cli.main(["run", "--report-dir", str(tmp_path / "r"), str(probe), "-q", "-n", "0"])
    out = capsys.readouterr().out
    assert code == cli.EXIT_SUITE_ERROR
    summary = _summary(tmp_path / "r")
    assert _outcomes(summary) == {
        "probe-ok": ("passed", None),
        "probe-suite-bug": ("suite error", None),
        "probe-no-generation": ("not tested", "generation"),
        "probe-typed-skip": ("not tested", "inventory"),
    }
    assert summary["violations"] == [] and not summary["conforms"]
    assert summary["verdict"] == out.strip().splitlines()[-2].split(" · ")[0]
    assert "SUITE ERROR: 1 test failed in the suite's own code" in out
    assert "report them to its maintainers" in out and "DOES NOT CONFORM" not in out


def test_a_broken_rule_is_a_violation(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probe = _probe(tmp_path, RULE, "rule")
    code = cli.main(["run", "--report-dir", str(tmp_path / "r"), str(probe), "-q", "-n", "0"])
    assert code == cli.EXIT_NONCONFORMANT
    summary = _summary(tmp_path / "r")
    assert _outcomes(summary) == {"probe-rule": ("violated", None)}
    assert "DOES NOT CONFORM: 1 distinct violation" in capsys.readouterr().out


def test_a_selection_is_a_partial_verdict_that_names_what_it_left_out(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "--report-dir", str(tmp_path / "r"), "-k", "test_show_unknown_vault_is_not_found"]
    assert cli.main([*args, "-q", "-n", "0"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    verdict = "CONFORMS (partial, selection: 26 of 27 operations not exercised)"
    assert verdict in out and out.count(verdict) == 1
    # said before the run too, in the header's first lines
    first = out.split("project", 1)[0]
    assert "partial (selection -k test_show_unknown_vault_is_not_found)" in first
    summary = _summary(tmp_path / "r")
    assert summary["verdict"] == verdict and summary["partial"]
    assert summary["scope"] == {"read_only": False, "selection": "-k test_show_unknown_vault_is_not_found"}
    assert "show_vault" not in summary["unexercised"]  # type: ignore[operator]
    html = (tmp_path / "r" / "latest" / "index.html").read_text()
    assert "partial, selection" in html
    code = cli.main([*args, "-q", "-n", "0", "--require-complete"])
    assert code == cli.EXIT_NONCONFORMANT
