"""Other tools pointed at the contract and the emulator agree with both: the schemathesis CLI, at
10 examples per operation and seed 1, reports no failure that the contract does not explain.

A failure is explained when the contract says why (the test names the rule, erratum or code):
- a valid request refused for breaking a rule OpenAPI cannot state, which the spec lists under the
  operation's `x-cbr-rules` (spec_rules.py);
- a valid request refused in the state it met, with a documented code that does not claim the
  input is invalid (a resource already in a vault, a policy not applied...);
- a request schemathesis calls invalid, accepted because an explicit null in an optional field
  is the field left out (E-NULL-AS-ABSENT), so the suite's own reading of the spec allows it.
Anything else fails the test: above all a "Parameter verification failed." (BackupService.9900)
answering a request that the spec and its rules allow.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.contract.request_check import request_errors
from cbr_conformance.contract.service_rules import claims_invalid_input
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.spec_rules import broken_rules
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer

SPEC = Path(__file__).resolve().parents[2] / "spec" / "cbr-v3.bundled.yaml"
PROJECT = DEFAULT_CREDENTIALS[0]
# The README's command, on two workers, with the values sent kept unmasked in the report.
ST_OPTIONS = ("--max-examples", "10", "--seed", "1", "--workers", "2", "--output-sanitize", "false")


@dataclass(frozen=True)
class Failure:
    check: str
    operation_id: str
    request: str
    answer: str
    explained_by: str | None


def _decoded(payload: Any) -> Any:
    if isinstance(payload, dict) and "$base64" in payload:
        return base64.b64decode(payload["$base64"])
    return payload


def _query_pairs(query: Any) -> list[tuple[str, str]]:
    pairs = []
    for name, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, "true" if item is True else "false" if item is False else str(item)))
    return pairs


def _operation_id(contract: Contract, case: dict[str, Any]) -> str:
    """The operation of a case, which schemathesis names by its method and path template; a method
    the path does not have (schemathesis tries them) by itself."""
    method, path = case["method"].upper(), case["path"]
    found = (op.operation_id for op in contract if (op.method, op.path) == (method, path))
    return next(found, f"{method} {path}")


def explanation(contract: Contract, check: str, case: dict[str, Any], response: dict[str, Any]) -> str | None:
    """Why the contract expects this failure (the erratum or rule), or None: it does not."""
    operation_id = _operation_id(contract, case)
    body = case.get("body")
    if check == "positive_data_acceptance":
        broken = broken_rules(contract.document, operation_id, _query_pairs(case.get("query")), body)
        if broken:
            return "x-cbr-rules: " + ", ".join(broken)
        answer = json.loads(_decoded(response.get("content")) or b"{}")
        code = answer.get("error_code") if isinstance(answer, dict) else None
        if not claims_invalid_input(operation_id, response["status_code"], code):
            return f"a refusal in the state met ({code})"
    if check == "negative_data_rejection":
        path = {k: str(v) for k, v in (case.get("path_parameters") or {}).items()}
        sent = json.dumps(body).encode() if body is not None else None
        if not request_errors(contract, operation_id, path, _query_pairs(case.get("query")), sent):
            return "E-NULL-AS-ABSENT"
    return None


def checked_cases(report: Path) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]]:
    """Each case schemathesis sent and checked: (case, its checks, the emulator's response)."""
    for line in report.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        recorder = (event or {}).get("recorder") or {}
        for case_id, checks in recorder.get("checks", {}).items():
            interaction = recorder.get("interactions", {}).get(case_id)
            if interaction is not None:
                yield recorder["cases"][case_id]["value"], checks, interaction["response"]


def failures(contract: Contract, report: Path) -> Iterator[Failure]:
    for case, checks, response in checked_cases(report):
        request = {k: case.get(k) for k in ("method", "path_parameters", "query", "body")}
        detail = response["headers"].get("x-emulator-error-detail")
        for check in checks:
            if check["status"] == "failure":
                yield Failure(
                    check=check["name"],
                    operation_id=_operation_id(contract, case),
                    request=json.dumps(request)[:2000],
                    answer=f"{response['status_code']} {detail}",
                    explained_by=explanation(contract, check["name"], case, response),
                )


@pytest.fixture(scope="module")
def schemathesis_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if st is None:
        pytest.fail("the schemathesis CLI (st) is not installed: pip install -e '.[dev]'")
    folder = tmp_path_factory.mktemp("schemathesis")
    (folder / "schemathesis.toml").write_text(f'[parameters]\n"path.project_id" = "{PROJECT.project_id}"\n')
    with EmulatorServer() as emulator:
        command = [
            st, "run", str(SPEC), "--url", emulator.url,
            "--header", f"X-Auth-Token: {PROJECT.tokens[0]}",
            *ST_OPTIONS, "--report", "ndjson", "--report-ndjson-path", str(folder / "run.ndjson"),
        ]  # fmt: skip
        subprocess.run(command, cwd=folder, capture_output=True, timeout=300, check=False)
    return folder / "run.ndjson"


def test_schemathesis_finds_nothing_the_contract_does_not_explain(schemathesis_report: Path) -> None:
    contract = Contract.load()
    tested = {_operation_id(contract, case) for case, _, _ in checked_cases(schemathesis_report)}
    assert tested >= set(contract.operations), f"not tested: {sorted(set(contract.operations) - tested)}"
    found = list(failures(contract, schemathesis_report))
    unexplained = [f for f in found if f.explained_by is None]
    assert not unexplained, "\n".join(
        f"{f.check} {f.operation_id}: {f.answer}\n    {f.request}" for f in unexplained
    )
