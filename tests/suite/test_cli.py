"""The command line: exit codes, reports with known failures, and no secret in any report file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import cli
from tests.library.fake_target import Canned, FakeTarget
from tests.suite.conftest import TOKEN

SK = "known-secret-key-for-the-report-test-0123456789"
ONE_TEST = ["-k", "test_show_unknown_vault_is_not_found", "-q", "-n", "0"]


def _run(tmp_path: Path, *args: str) -> tuple[int, Path]:
    code = cli.main(["run", "--report-dir", str(tmp_path), *args])
    return code, tmp_path / "latest"


def test_a_conforming_target_exits_0_with_all_three_reports(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    code, latest = _run(tmp_path, *ONE_TEST)  # the embedded emulator
    assert code == cli.EXIT_OK
    summary = json.loads((latest / "summary.json").read_text())
    assert summary["conforms"] and summary["totals"]["passed"] == 1
    assert summary["tests"][0]["breaks"] == "service"  # an unknown id: no schema says so
    assert summary["matrix"]["show_vault"]["negative"] == {"passed": 1}
    assert (latest / "junit.xml").read_text().count("<testcase") == 1
    html = (latest / "index.html").read_text()
    assert "Conformance matrix" in html and "show_vault" in html and "<script src=" not in html
    assert "negative tests: 0 break a rule of the spec&#x27;s schemas, 1 a rule of the service" in html


def test_a_nonconforming_target_exits_1_and_the_report_shows_the_failure(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget
) -> None:
    # The vault list works (preflight), but an unknown vault comes back as 200 with a broken body.
    fake.answer = Canned.json(200, {"vaults": [], "count": 0, "vault": {"id": 1}})
    env.setenv("HUAWEICLOUD_SDK_SK", SK)
    env.setenv("HUAWEICLOUD_SDK_AK", "AKFORTHEREPORTTEST01")
    code, latest = _run(tmp_path, "--target-url", fake.url, *ONE_TEST)
    assert code == cli.EXIT_NONCONFORMANT
    summary = json.loads((latest / "summary.json").read_text())
    assert not summary["conforms"]
    assert summary["matrix"]["show_vault"]["negative"] == {"violated": 1}
    [failure] = [t for t in summary["tests"] if t["outcome"] == "violated"]
    assert failure["test_id"] == "vault-show-unknown"
    violations = [v for e in failure["exchanges"] for v in e["violations"]]
    assert any(v["path"] == "$.vault.id" and v["rule"] == "response_schema" for v in violations)
    html = (latest / "index.html").read_text()
    assert "vault-show-unknown" in html and "$.vault.id" in html and "curl" in html
    # No secret anywhere under the report folder.
    for file in latest.iterdir():
        text = file.read_text()
        assert TOKEN not in text and SK not in text and "AKFORTHEREPORTTEST01" not in text, file.name


def test_an_unreachable_target_exits_3(tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget) -> None:
    url = fake.url
    fake.server.shutdown()
    fake.server.server_close()
    assert _run(tmp_path, "--target-url", url, *ONE_TEST)[0] == cli.EXIT_UNREACHABLE


def test_refused_credentials_exit_3(tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget) -> None:
    fake.answer = Canned.json(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication"})
    assert _run(tmp_path, "--target-url", fake.url, *ONE_TEST)[0] == cli.EXIT_UNREACHABLE


def test_configuration_errors_exit_2(
    tmp_path: Path, env: pytest.MonkeyPatch, fake: FakeTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("CBR_AUTH_TOKEN")
    assert _run(tmp_path, "--target-url", fake.url)[0] == cli.EXIT_USAGE  # no credentials
    assert "no credentials for the project" in capsys.readouterr().err
    assert cli.main(["run", "--profile", "lenient"]) == cli.EXIT_USAGE
    assert "--profile = 'lenient': must be one of errata, strict" in capsys.readouterr().err
    env.setenv("CBR_TIMEOUT", "-5")
    assert _run(tmp_path, *ONE_TEST)[0] == cli.EXIT_USAGE
    assert not fake.seen  # refused before anything reached a target


def test_report_rebuilds_the_html_from_the_summary(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    code, latest = _run(tmp_path, *ONE_TEST)
    assert code == cli.EXIT_OK
    (latest / "index.html").unlink()
    assert cli.main(["report", str(latest)]) == cli.EXIT_OK
    html = (latest / "index.html").read_text()
    assert "Conformance matrix" in html and "vault-show-unknown" in html
    assert cli.main(["report", str(tmp_path / "nowhere")]) == cli.EXIT_USAGE


def test_fuzz_settings_reach_the_run_and_the_report(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    code, latest = _run(
        tmp_path,
        "--fuzz-seed",
        "99",
        "--fuzz-examples",
        "2",
        # the examples bound the cases; a budget a loaded machine cannot spend keeps them both
        "--fuzz-seconds",
        "120",
        "-k",
        "test_fuzz and list_vaults-positive",
        "-q",
        "-n",
        "0",
    )
    assert code == cli.EXIT_OK
    summary = json.loads((latest / "summary.json").read_text())
    assert summary["header"]["seed"] == 99 and summary["header"]["fuzz_examples"] == 2
    assert summary["totals"]["passed"] == 1
    # what the emulator answered to the two cases, for the report's fuzzing table
    [test] = summary["tests"]
    assert test["fuzz"] == {"mode": "positive", "answers": {"200": 2}}
    assert "2 × 200" in (latest / "index.html").read_text()


def test_a_fuzz_test_out_of_time_says_so_and_its_coverage_is_timing_dependent(
    tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    selected = ["-k", "test_fuzz and list_vaults-positive", "-q", "-n", "0"]
    code, latest = _run(tmp_path, "--fuzz-examples", "50", "--fuzz-seconds", "0.001", *selected)
    assert code == cli.EXIT_OK
    summary = json.loads((latest / "summary.json").read_text())
    [test] = summary["tests"]
    assert test["fuzz"]["out_of_time"] is True and sum(test["fuzz"]["answers"].values()) < 50
    assert "(time budget spent)" in (latest / "index.html").read_text()
    assert any(item["operation"] == "list_vaults" for item in summary["coverage"]["timed"])


def _run_probe(tmp_path: Path, name: str, source: str) -> tuple[int, dict[str, Any]]:
    """A one-module suite of `source` run through the CLI in one process: exit code and summary.
    Each probe module has a name of its own: an earlier probe stays imported in this process."""
    probe = tmp_path / "probe" / f"test_probe_{name}.py"
    probe.parent.mkdir()
    probe.write_text(source)
    code, latest = _run(tmp_path / "reports", str(probe), "-q", "-n", "0")
    return code, json.loads((latest / "summary.json").read_text())


PROBE = """
import pytest

@pytest.mark.cbr(operation="list_vaults", kind="{kind}", id="probe")
def test_probe(cbr):
    assert cbr.call("list_vaults", query={{"limit": 0}}, check=False{deliberate}).status == 400
"""


@pytest.mark.parametrize(
    ("kind", "deliberate", "expected"),
    [
        # the test's defect, not the target's: a suite error, never a violation
        ("contract", "", cli.EXIT_SUITE_ERROR),
        ("contract", ", invalid=True", cli.EXIT_OK),
        ("negative", "", cli.EXIT_OK),
    ],
    ids=["contract-unannounced", "contract-deliberate", "negative"],
)
def test_a_hand_built_test_sending_a_request_the_spec_forbids_fails(
    tmp_path: Path, env: pytest.MonkeyPatch, kind: str, deliberate: str, expected: int
) -> None:
    env.delenv("CBR_PROJECT_ID")
    env.delenv("CBR_AUTH_TOKEN")
    source = PROBE.format(kind=kind, deliberate=deliberate)
    code, summary = _run_probe(tmp_path, f"{kind}_{len(deliberate)}", source)
    assert code == expected
    [test] = summary["tests"]
    if expected == cli.EXIT_OK:
        assert test["outcome"] == "passed"
        assert test["breaks"] == ("schema" if kind == "negative" else None)  # limit=0 breaks minimum 1
    else:
        assert test["outcome"] == "suite error" and not summary["violations"]
        assert "UnintendedInvalidRequest" in test["message"] and "limit='0'" in test["message"]
        [exchange] = test["exchanges"]
        assert exchange["request_errors"] == ["query parameter limit='0': 0 is less than the minimum of 1"]


FROZEN_PROBE = """
import gc

gc.unfreeze()  # at collection: whatever froze before, this run's plugin must freeze again


def test_objects_of_the_collection_are_frozen():
    assert gc.get_freeze_count() > 0
"""


def test_a_run_freezes_what_collection_made(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    """What imports and collection made is kept out of the garbage collector's scans (plugin/memory.py)."""
    code, summary = _run_probe(tmp_path, "frozen", FROZEN_PROBE)
    assert [test["outcome"] for test in summary["tests"]] == ["passed"], summary["tests"][0].get("message")
    assert code == cli.EXIT_OK


PLUGINS_PROBE = """
def test_only_the_suites_plugins_are_loaded(request):
    names = {name for name, _ in request.config.pluginmanager.list_name_plugin()}
    # installed beside the suite (anyio comes with httpx and starlette), never loaded by a run
    assert not names & {"anyio", "hypothesispytest", "schemathesis"}, sorted(names)
    assert {"xdist.plugin", "pytest_html.plugin", "pytest_split.plugin", "cbr_conformance.plugin"} <= names
"""


def test_a_run_loads_the_suites_plugins_and_no_other(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    """Plugins installed for other projects do not change how the suite runs (plugin/isolation.py)."""
    code, summary = _run_probe(tmp_path, "plugins", PLUGINS_PROBE)
    assert [test["outcome"] for test in summary["tests"]] == ["passed"], summary["tests"][0].get("message")
    assert code == cli.EXIT_OK
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ  # the user's environment, as it was
