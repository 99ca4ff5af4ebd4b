"""The versioned test list (conformance/conformance.yaml) names exactly the suite's tests."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance import cli
from cbr_conformance.certification.testlist import (
    BadTestList,
    Status,
    SuiteTest,
    list_path,
    load_test_list,
    mismatches,
    parse_test_list,
    section_of,
    since_lines,
    suite_tests,
)


def _list(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "1.1",
        "changelog": [
            {"version": "1.0", "note": "first list", "changes": {}},
            {"version": "1.1", "note": "a new test", "changes": {"b": "added (advisory)"}},
        ],
        "tests": [
            {"id": "a", "status": "required", "section": "4.4.1"},
            {"id": "b", "status": "advisory", "section": "4.4.2"},
        ],
    }
    data.update(extra)
    return data


def test_the_shipped_list_names_every_test_of_the_suite_and_no_other() -> None:
    test_list = load_test_list()
    assert list_path().parent.name == "conformance"  # bundled into the wheel with the suite
    assert mismatches(test_list, suite_tests()) == []
    assert test_list.versions[-1] == test_list.version


def test_a_test_without_an_entry_and_an_entry_without_a_test_are_both_named() -> None:
    test_list = parse_test_list(_list())
    tests = [SuiteTest("a", "t.py::test_a[1]", "4.4.1"), SuiteTest("c", "t.py::test_c", "4.5")]
    assert mismatches(test_list, tests) == [
        "c: a test without an entry in conformance.yaml",
        "b: an entry without a test",
    ]


def test_an_entry_whose_section_is_not_the_docstrings_is_named() -> None:
    test_list = parse_test_list(_list())
    tests = [SuiteTest("a", "t.py::test_a", "4.4.9"), SuiteTest("b", "t.py::test_b", "4.4.2")]
    assert mismatches(test_list, tests) == ["a: listed for section '4.4.1', its docstring names {'4.4.9'}"]


def test_the_cases_of_a_parametrized_test_share_its_one_entry() -> None:
    test_list = parse_test_list(_list())
    cases = [SuiteTest("a", f"t.py::test_a[{n}]", "4.4.1") for n in range(3)]
    assert mismatches(test_list, [*cases, SuiteTest("b", "t.py::test_b", "4.4.2")]) == []


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"tests": [{"id": "a", "status": "flagged", "section": "4.4.1"}]}, "flagged without a reason"),
        ({"tests": [{"id": "a", "status": "optional", "section": "4.4.1"}]}, "status is one of"),
        ({"tests": [{"id": "a", "status": "required", "section": "4.4.1"}] * 2}, "ids listed twice: a"),
        ({"tests": [{"id": "a", "status": "required"}]}, "section must be"),
        ({"version": "1.2"}, "the changelog's last entry must be the list's version 1.2"),
    ],
)
def test_a_broken_list_is_refused_with_what_is_wrong(broken: dict[str, Any], message: str) -> None:
    with pytest.raises(BadTestList, match=message):
        parse_test_list(_list(**broken))


def test_since_names_what_each_later_version_changed() -> None:
    test_list = parse_test_list(_list())
    assert test_list.ids(Status.REQUIRED) == ["a"] and test_list.ids(Status.ADVISORY) == ["b"]
    assert since_lines(test_list, "1.0") == ["1.1: a new test", "  b: added (advisory)"]
    assert since_lines(test_list, "1.1") == ["no change since 1.1: it is the list's current version"]
    with pytest.raises(BadTestList, match=r"no version '0\.9'"):
        since_lines(test_list, "0.9")


def test_the_section_is_the_docstrings_start() -> None:
    assert section_of("4.4.1 (Table 4-92): a new vault echoes its input.") == "4.4.1 (Table 4-92)"
    assert section_of("3.1, 4.4.1: a body that is not JSON is refused.") == "3.1, 4.4.1"
    assert section_of(None) == ""


def test_list_shows_each_tests_status_and_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"test list {load_test_list().version}:" in out
    assert "vault-show-unknown" in out and "required  4.4.2, 7.2" in out
    assert "(4 cases)" in out  # a parametrized test's cases, under its one id


def test_list_since_an_unknown_version_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list", "--since", "0.1"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no version '0.1'" in err
    assert cli.main(["list", "--since", load_test_list().version]) == cli.EXIT_OK
    assert "no change since" in capsys.readouterr().out


def test_the_readme_says_what_a_certification_leases_at_once() -> None:
    # the README's certification section names the inventory a certification needs, for the
    # list's current version; a required test that leases more makes that sentence wrong
    from pathlib import Path

    from cbr_conformance.contract.resource_types import SERVER, VOLUME
    from cbr_conformance.paths import suite_dir
    from cbr_conformance.suite.test_kinds import collect_tests

    test_list = load_test_list()
    required = set(test_list.ids(Status.REQUIRED))
    at_once = {SERVER: 0, VOLUME: 0}
    for test in collect_tests([str(suite_dir())]):
        for kind, count in test.needs:
            if test.test_id in required and kind in at_once:
                at_once[kind] = max(at_once[kind], count)
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    said = f"{at_once[SERVER]} servers and {at_once[VOLUME]} disks for list {test_list.version}"
    assert said in readme, f"the README's certification section should say: {said}"
