"""Certification reports: what they hold, and `verify` failing on each kind of tampering."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import cli
from cbr_conformance.certification.certificate import (
    CERTIFICATION_SEED,
    build_report,
    digest_of,
)
from cbr_conformance.certification.product import BadProduct, load_product
from cbr_conformance.certification.testlist import Status, TestList, load_test_list
from cbr_conformance.certification.verify import verify
from cbr_conformance.outcome import Outcome, Why
from cbr_conformance.results.record import TestRecord
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.rundirs import link_run
from cbr_conformance.results.summary import RunSummary

PRODUCT = {
    "name": "Example Backup",
    "version": "2.3.1",
    "vendor": "Example Cloud",
    "contact": "c@example.com",
    "region": "r-1",
}
HEADER = {"target_url": "https://cbr.example.com", "auth": "AK/SK", "seed": CERTIFICATION_SEED}


@pytest.fixture(scope="module")
def test_list() -> TestList:
    return load_test_list()


def _summary(test_list: TestList, *changed: TestRecord, drop: str = "") -> RunSummary:
    """A run of every listed test, passed, but for the records `changed` (by id) and `drop`."""
    replaced = {record.key for record in changed}
    records = [
        TestRecord(f"conformance/test_x.py::{entry.id}", test_id=entry.id)
        for entry in test_list.entries
        if entry.id not in replaced and entry.id != drop
    ]
    return RunSummary(header=RunHeader.from_dict(HEADER), tests=(*records, *changed))


def _failed(report: dict[str, Any], test_list: TestList) -> set[str]:
    return {check.name for check in verify(report, test_list) if not check.ok}


def _required(test_list: TestList) -> str:
    return test_list.ids(Status.REQUIRED)[0]


def test_a_run_of_every_required_test_passed_is_certified_and_holds(test_list: TestList) -> None:
    report = build_report(_summary(test_list), test_list, PRODUCT)
    assert report["result"] == {"certified": True, "failures": []}
    assert report["test_list"]["version"] == test_list.version
    assert report["certification"]["fuzz_seed"] == CERTIFICATION_SEED
    assert report["product"] == PRODUCT and report["settings"] == HEADER
    assert report["digest"]["value"] == digest_of(report)
    assert _failed(report, test_list) == set()


def test_a_required_test_not_tested_fails_the_certification_with_its_reason(test_list: TestList) -> None:
    test_id = _required(test_list)
    skipped = TestRecord(
        "t.py::a", Outcome.NOT_TESTED, test_id=test_id, why=Why.INVENTORY, message="no free volume"
    )
    report = build_report(_summary(test_list, skipped), test_list, PRODUCT)
    assert report["result"]["certified"] is False
    assert report["result"]["failures"] == [f"{test_id}: not tested (t.py::a: no free volume)"]
    assert _failed(report, test_list) == {"required tests"}


def test_a_parametrized_test_takes_the_worst_of_its_cases(test_list: TestList) -> None:
    test_id = _required(test_list)
    cases = (
        TestRecord("t.py::a[1]", test_id=test_id),
        TestRecord("t.py::a[2]", Outcome.VIOLATED, test_id=test_id, message="AssertionError: 400 != 200"),
        TestRecord("t.py::a[3]", Outcome.NOT_TESTED, test_id=test_id, why=Why.NOT_APPLICABLE),
    )
    row = next(r for r in build_report(_summary(test_list, *cases), test_list, PRODUCT)["tests"])
    assert (row["id"], row["outcome"], row["cases"]) == (test_id, "violated", 3)
    assert "t.py::a[2]" in row["why"]


def test_a_case_that_cannot_exist_for_the_contract_does_not_fail_it(test_list: TestList) -> None:
    test_id = _required(test_list)
    moot = TestRecord("t.py::a", Outcome.NOT_TESTED, test_id=test_id, why=Why.NOT_APPLICABLE)
    report = build_report(_summary(test_list, moot), test_list, PRODUCT)
    assert report["result"]["certified"] is True
    assert report["tests"][0]["outcome"] == "not applicable"


def test_a_required_test_the_run_never_ran_is_missing(test_list: TestList) -> None:
    test_id = _required(test_list)
    report = build_report(_summary(test_list, drop=test_id), test_list, PRODUCT)
    assert report["result"]["failures"] == [f"{test_id}: missing (the run has no record of it)"]


def _pass_the_failed_test(report: dict[str, Any]) -> None:
    report["tests"][0].update(outcome="passed")
    report["tests"][0].pop("why")
    report["result"] = {"certified": True, "failures": []}


def _drop_a_test(report: dict[str, Any]) -> None:
    del report["tests"][1]


def _change(*keys: str) -> Callable[[dict[str, Any]], None]:
    def change(report: dict[str, Any]) -> None:
        report[keys[0]][keys[1]] = "0" * 64

    return change


def _unknown_list_version(report: dict[str, Any]) -> None:
    report["test_list"]["version"] = "0.1"


# Each forgery, written naively (the digest no longer matches) and with the digest recomputed
# (then what it changed no longer matches this suite): the checks that must then fail.
TAMPERING = [
    ("a changed outcome", _pass_the_failed_test, {"digest"}, set()),
    ("a dropped test", _drop_a_test, {"digest", "required tests"}, {"required tests"}),
    (
        "a changed suite hash",
        _change("suite", "sha256"),
        {"digest", "suite and contract"},
        {"suite and contract"},
    ),
    (
        "a changed contract hash",
        _change("contract", "sha256"),
        {"digest", "suite and contract"},
        {"suite and contract"},
    ),
    (
        "a changed errata hash",
        _change("contract", "errata_sha256"),
        {"digest", "suite and contract"},
        {"suite and contract"},
    ),
    ("an unknown list version", _unknown_list_version, {"digest", "test list"}, {"test list"}),
]


@pytest.mark.parametrize(
    ("tampering", "change", "naive", "recomputed"), TAMPERING, ids=[t[0] for t in TAMPERING]
)
def test_verify_names_each_kind_of_tampering(
    test_list: TestList,
    tampering: str,
    change: Callable[[dict[str, Any]], None],
    naive: set[str],
    recomputed: set[str],
) -> None:
    violated = TestRecord("t.py::a", Outcome.VIOLATED, test_id=_required(test_list), message="AssertionError")
    failing = tampering == "a changed outcome"
    report = build_report(_summary(test_list, *([violated] if failing else [])), test_list, PRODUCT)
    expected_before = {"required tests"} if failing else set()
    assert _failed(report, test_list) == expected_before
    change(report)
    assert _failed(report, test_list) == naive
    # Anyone can recompute a digest: then what was changed must not match this suite. An outcome
    # forged so is beyond a digest's reach (a signature's is not).
    report["digest"]["value"] = digest_of(report)
    assert _failed(report, test_list) == recomputed


def _write(report: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_verify_exits_0_when_the_report_holds_and_1_naming_what_does_not(
    test_list: TestList, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = build_report(_summary(test_list), test_list, PRODUCT)
    assert cli.main(["verify", str(_write(report, tmp_path / "good.json"))]) == cli.EXIT_OK
    assert capsys.readouterr().out.endswith("the report holds\n")
    forged = copy.deepcopy(report)
    forged["settings"]["target_url"] = "https://other.example.com"
    assert cli.main(["verify", str(_write(forged, tmp_path / "forged.json"))]) == cli.EXIT_NONCONFORMANT
    out = capsys.readouterr().out
    assert "FAILED digest: the report was changed after it was written" in out
    assert "ok     required tests" in out and out.endswith("the report does not hold: digest\n")


@pytest.mark.parametrize("content", ["not json", json.dumps({"format": "something else"}), "[]"])
def test_verify_of_what_is_not_a_report_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "report.json"
    path.write_text(content, encoding="utf-8")
    assert cli.main(["verify", str(path)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err


def test_a_product_file_in_toml_or_yaml(tmp_path: Path) -> None:
    toml = tmp_path / "product.toml"
    toml.write_text('name = "X"\nversion = 2\nvendor = "V"\ncontact = "c@v"\nurl = "https://x"\n')
    yaml_file = tmp_path / "product.yaml"
    yaml_file.write_text("name: X\nversion: '2'\nvendor: V\ncontact: c@v\nurl: https://x\n")
    assert (
        load_product(toml)
        == load_product(yaml_file)
        == {
            "name": "X",
            "version": "2",
            "vendor": "V",
            "contact": "c@v",
            "url": "https://x",
        }
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('name = "X"\nversion = "1"\nvendor = "V"\ncontact = "c"\n', "missing region or url"),
        ('name = "X"\nvendor = "V"\ncontact = "c"\nregion = "r"\n', "missing version"),
        (
            'name = "X"\nversion = "1"\nvendor = "V"\ncontact = "c"\nregion = "r"\nsecret_key = "s"\n',
            "unknown keys secret_key",
        ),
        ("name = ", "not valid TOML"),
    ],
)
def test_a_bad_product_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "product.toml"
    path.write_text(content)
    with pytest.raises(BadProduct, match=message):
        load_product(path)


@pytest.fixture
def product_file(tmp_path: Path) -> Path:
    path = tmp_path / "product.toml"
    path.write_text("".join(f'{key} = "{value}"\n' for key, value in PRODUCT.items()))
    return path


def test_certify_refuses_its_own_fuzzing_settings_and_a_bad_product(
    product_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["certify", "--product", str(product_file), "--fuzz-seed", "7"]) == cli.EXIT_USAGE
    assert "fixed fuzzing (--fuzz-seed given)" in capsys.readouterr().err
    assert cli.main(["certify", "--product", str(tmp_path / "none.toml")]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("certified", [True, False])
def test_certify_runs_with_the_fixed_settings_and_writes_a_report_verify_accepts(
    test_list: TestList,
    product_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    certified: bool,
) -> None:
    seen: list[str] = []
    violated = TestRecord("t.py::a", Outcome.VIOLATED, test_id=_required(test_list), message="AssertionError")

    def run(args: Any, pytest_args: list[str]) -> int:  # the run itself is the suite's own tests'
        seen.append(args.fuzz_seed)
        run_dir = tmp_path / "reports" / "run-1"
        run_dir.mkdir(parents=True)
        summary = _summary(test_list, *([] if certified else [violated]))
        (run_dir / "summary.json").write_text(json.dumps(summary.to_dict()), encoding="utf-8")
        link_run(tmp_path / "reports", run_dir, complete=True)
        return cli.EXIT_OK if certified else cli.EXIT_NONCONFORMANT

    monkeypatch.setattr("cbr_conformance.cli.run.handle_run", run)
    argv = ["certify", "--product", str(product_file), "--report-dir", str(tmp_path / "reports")]
    assert cli.main(argv) == (cli.EXIT_OK if certified else cli.EXIT_NONCONFORMANT)
    assert seen == [str(CERTIFICATION_SEED)]
    out = capsys.readouterr().out
    written = tmp_path / "reports" / "run-1" / "certification.json"
    assert f"certification report: {written}" in out
    html = written.with_suffix(".html").read_text(encoding="utf-8")
    assert "Example Backup" in html
    if certified:
        assert "certified: Example Backup 2.3.1" in out and "not certified" not in html
    else:
        assert f"NOT CERTIFIED: Example Backup 2.3.1, test list {test_list.version}" in out
        assert f"  {_required(test_list)}: violated" in out and "not certified" in html
    assert cli.main(["verify", str(written)]) == (cli.EXIT_OK if certified else cli.EXIT_NONCONFORMANT)


def _key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def test_a_signature_holds_an_outcome_against_a_forger_who_recomputes_the_digest(
    test_list: TestList, tmp_path: Path
) -> None:
    from cbr_conformance.certification.signing import sign

    private, public = _key_pair(tmp_path, "vendor")
    _, stranger = _key_pair(tmp_path, "stranger")
    violated = TestRecord("t.py::a", Outcome.VIOLATED, test_id=_required(test_list), message="AssertionError")
    report = build_report(_summary(test_list, violated), test_list, PRODUCT)
    report["signature"] = sign(report, private)
    checks = {check.name: check.ok for check in verify(report, test_list, public)}
    assert checks == {
        "digest": True,
        "test list": True,
        "suite and contract": True,
        "required tests": False,
        "signature": True,
    }
    assert _failed(report, test_list) == {"required tests"}  # no key given: the signature is not checked
    assert {c.name for c in verify(report, test_list, stranger) if not c.ok} == {
        "required tests",
        "signature",
    }
    _pass_the_failed_test(report)
    report["digest"]["value"] = digest_of(report)
    assert {c.name for c in verify(report, test_list, public) if not c.ok} == {"signature"}
    del report["signature"]
    signature = next(c for c in verify(report, test_list, public) if c.name == "signature")
    assert (signature.ok, signature.detail) == (False, "the report is not signed (with Ed25519)")


def test_certify_signs_and_verify_checks_with_the_public_key(
    test_list: TestList,
    product_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private, public = _key_pair(tmp_path, "vendor")

    def run(args: Any, pytest_args: list[str]) -> int:
        run_dir = tmp_path / "reports" / "run-1"
        run_dir.mkdir(parents=True)
        (run_dir / "summary.json").write_text(json.dumps(_summary(test_list).to_dict()), encoding="utf-8")
        link_run(tmp_path / "reports", run_dir, complete=True)
        return cli.EXIT_OK

    monkeypatch.setattr("cbr_conformance.cli.run.handle_run", run)
    out = tmp_path / "claim.json"
    argv = ["certify", "--product", str(product_file), "--report-dir", str(tmp_path / "reports")]
    assert cli.main([*argv, "--output", str(out), "--sign-key", str(public)]) == cli.EXIT_USAGE
    assert "is not an unencrypted PEM private key" in capsys.readouterr().err
    assert cli.main([*argv, "--output", str(out), "--sign-key", str(private)]) == cli.EXIT_OK
    assert "<dt>signature</dt><dd>ed25519, key " in out.with_suffix(".html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["verify", str(out), "--public-key", str(public)]) == cli.EXIT_OK
    assert "ok     signature: signed by key" in capsys.readouterr().out
    assert cli.main(["verify", str(out)]) == cli.EXIT_OK
    assert "signature: not checked" in capsys.readouterr().out
    assert cli.main(["verify", str(out), "--public-key", str(tmp_path / "none.pem")]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.count("\n") == 1
