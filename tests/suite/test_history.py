"""`cbr-conformance report --history DIR`: ten nightly runs as one static site, in which a violation
appears in one run and is fixed in a later one; the runs it cannot show are one line each; the
site reads in a real browser, without script and without anything fetched.

Set CBR_HISTORY_SCREENSHOT to a PNG path to keep the browser's screenshot of the index (the
README's image is made so).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from cbr_conformance import cli
from cbr_conformance.contract.exchange_facts import ExchangeFacts
from cbr_conformance.contract.spec import Contract
from cbr_conformance.results import Outcome, RunSummary, TestRecord, Violation
from cbr_conformance.results.exercised import contract_coverage, never_exercised
from cbr_conformance.results.history import Seen, read_runs, tracks
from cbr_conformance.results.run_header import RunHeader
from tests.browser import BROWSER, NO_BROWSER, browser

FIRST_NIGHT = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
TARGET = "https://cbr.example.com"
# appears in the 4th run, is not shown by the 5th (interrupted), still there in the 6th, fixed in the 7th
BILLING = Violation(
    "show_vault", "response_schema", "$.vault.billing.size", "'size' is a required property",
    tests=("conformance/test_vaults.py::test_show_vault",),
)  # fmt: skip
# appears in the 9th run and stays
POLICIES = Violation(
    "list_policies", "status_documented", "status", "status 500 is not documented for list_policies",
    tests=("conformance/test_policies.py::test_list_policies",),
)  # fmt: skip
VIOLATIONS = {3: [BILLING], 5: [BILLING], 8: [POLICIES], 9: [POLICIES]}
INTERRUPTED = 4
OPERATIONS = ("list_vaults", "show_vault", "create_vault", "list_policies", "show_policy", "create_policy")


def _facts(share: float) -> list[ExchangeFacts]:
    """What exchanges showing the first `share` of each operation's items of coverage would show."""
    contract = Contract.load()
    found: dict[str, ExchangeFacts] = {}
    for operation, category, items in never_exercised(contract_coverage([], contract)):
        facts = found.setdefault(operation, ExchangeFacts(operation))
        for item in items[: max(1, round(len(items) * share))]:
            if category == "responses":
                facts.statuses.add(int(item))
            elif category == "error_codes":
                facts.error_codes.add(item)
            elif category == "parameters":
                name, _, how = item.rpartition(" ")
                (facts.valid if how == "valid" else facts.invalid).add(name)
            elif category == "values":
                how, _, value = item.partition(" ")
                (facts.sent if how == "sent" else facts.seen).add(value)
            else:
                facts.links.add(item)
    return list(found.values())


def _night(number: int) -> RunSummary:
    """The summary of the night `number` (0: the first): a few tests, its violations, a coverage
    that grows night by night (an interrupted night's is lower: it stopped early)."""
    found = VIOLATIONS.get(number, [])
    broken = " ".join(test for entry in found for test in entry.tests)
    tests = tuple(
        TestRecord(
            f"conformance/test_{'policies' if 'polic' in op else 'vaults'}.py::test_{op}",
            Outcome.VIOLATED if f"::test_{op}" in broken else Outcome.PASSED,
            duration=1.5,
            operations=(op,),
            kind="contract",
            test_id=op.replace("_", "-"),
        )
        for op in OPERATIONS[: 3 if number == INTERRUPTED else None]
    )
    started = FIRST_NIGHT + dt.timedelta(days=number)
    return RunSummary(
        header=RunHeader.from_dict(
            {
                "target_url": TARGET,
                "profile": "errata",
                "spec_sha256": "a" * 64,
                "seed": 20261123,
                "started": started.isoformat(),
                "duration": 1500 + 37 * number,
            }
        ),
        tests=tests,
        violations=tuple(found),
        interrupted=number == INTERRUPTED,
        operations=OPERATIONS,
        coverage=contract_coverage(
            _facts(0.3 if number == INTERRUPTED else 0.55 + 0.02 * number), Contract.load()
        ),
    )


def _folder(reports: Path, number: int) -> Path:
    folder = reports / (FIRST_NIGHT + dt.timedelta(days=number)).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def nightly(tmp_path: Path) -> Path:
    """reports/ of ten nightly runs, with `latest` and `last` naming the newest as a run does."""
    reports = tmp_path / "reports"
    for number in range(10):
        summary = _night(number)
        (_folder(reports, number) / "summary.json").write_text(
            json.dumps(summary.to_dict()), encoding="utf-8"
        )
    newest = sorted(p.name for p in reports.iterdir())[-1]
    for link in ("latest", "last"):
        (reports / link).symlink_to(newest, target_is_directory=True)
    return reports


def _row(index: str, operation: str) -> str:
    """The row of a distinct violation in the index's table over time."""
    return next(row for row in index.split("<tr>") if f"<code>{operation}</code>" in row)


def _links(page: str) -> list[str]:
    return re.findall(r"""(?:href|src)=['"]([^'"]+)['"]""", page)


def test_ten_nights_show_a_violation_appear_and_get_fixed(
    nightly: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", "--history", str(nightly)]) == cli.EXIT_OK
    site = nightly / "history"
    assert (
        capsys.readouterr().out.strip().endswith(f"history: 10 runs, 10 with a page: {site / 'index.html'}")
    )
    index = (site / "index.html").read_text(encoding="utf-8")

    # Night by night: absent, appeared on the 4th, not known on the interrupted 5th, fixed on the 7th.
    seen = re.findall(r"<td class='seen (\w+)'", _row(index, "show_vault"))
    assert seen == ["absent"] * 3 + ["new", "unknown", "still", "fixed"] + ["absent"] * 3
    assert "<td class='now-fixed'>fixed</td>" in _row(index, "show_vault")
    seen = re.findall(r"<td class='seen (\w+)'", _row(index, "list_policies"))
    assert seen == ["absent"] * 4 + ["unknown"] + ["absent"] * 3 + ["new", "still"]
    assert "<td class='now-open'>open</td>" in _row(index, "list_policies")
    assert "2 in all, 1 still open" in index

    # The runs, newest first: `latest` and `last` are not runs of their own; the interrupted one is said.
    rows = re.findall(r"<tr id='run-(\d+)'>(.*?)</tr>", index)
    assert [number for number, _ in rows] == [str(n) for n in range(10, 0, -1)]
    by_number = dict(rows)
    assert "INTERRUPTED" in by_number["5"] and "DOES NOT CONFORM" in by_number["4"]
    assert "<b>1 new</b>" in by_number["4"] and "1 fixed" in by_number["7"] and "1 still" in by_number["6"]
    assert TARGET in by_number["1"] and "25 min 00 s" in by_number["1"]
    # coverage grows night by night, as more operations answered
    coverage = [float(re.search(r"([\d.]+)%<small", by_number[str(n)]).group(1)) for n in (1, 2, 3)]  # type: ignore[union-attr]
    assert coverage == sorted(coverage) and coverage[0] < coverage[-1]

    # Every link of the site leads to a file of the site, and nothing is fetched or run.
    pages = [site / "index.html", *sorted(site.glob("runs/*/index.html"))]
    assert len(pages) == 11
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "@import" not in text and "url(http" not in text
        for link in _links(text):
            assert not re.match(r"[a-z]+:", link), (page, link)  # relative: no http(s), no file:
            if not link.startswith("#"):
                assert (page.parent / link.split("#")[0]).is_file(), (page, link)
    # Built again, the site in DIR/history is not taken for a run of its own.
    assert cli.main(["report", "--history", str(nightly)]) == cli.EXIT_OK
    assert "history: 10 runs, 10 with a page" in capsys.readouterr().out
    run_page = (site / "runs" / "20261123-020000" / "index.html").read_text(encoding="utf-8")
    assert "DOES NOT CONFORM" in run_page and "$.vault.billing.size" in run_page
    assert "href='../../index.html'" in run_page and "tests.html" not in run_page


def test_runs_it_cannot_show_are_one_line_each(
    nightly: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (_folder(nightly, 10) / "created.jsonl").write_text("", encoding="utf-8")  # killed before its summary
    (_folder(nightly, 11) / "summary.json").write_text('{"header": {}, "tests": []}', encoding="utf-8")
    (_folder(nightly, 12) / "summary.json").write_text("{not json", encoding="utf-8")
    out = tmp_path / "site"
    assert cli.main(["report", "--history", str(nightly), "-o", str(out)]) == cli.EXIT_OK
    said = capsys.readouterr().out.splitlines()
    assert said == [
        "no page for 20261130-020000: interrupted: the run wrote no summary",
        "no page for 20261201-020000: unreadable: 20261201-020000/summary.json: a summary of format 1; this "
        "suite reads format 2 (run the suite again, or read it with the version that wrote it)",
        "no page for 20261202-020000: unreadable: 20261202-020000/summary.json is not JSON: Expecting "
        "property name enclosed in double quotes: line 1 column 2 (char 1)",
        f"history: 13 runs, 10 with a page: {out / 'index.html'}",
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    problems = re.findall(r"<tr class='problem' id='run-(\d+)'>(.*?)</tr>", index)
    assert [number for number, _ in problems] == ["13", "12", "11"]
    assert "INTERRUPTED" in problems[2][1] and "the run wrote no summary" in problems[2][1]
    assert "a summary of format 1" in problems[1][1] and "is not JSON" in problems[0][1]
    assert str(tmp_path) not in index  # the site names runs by their folders, not by this machine's paths
    assert not (out / "runs" / "20261201-020000").exists()


def test_a_violation_of_the_first_run_is_present_not_new_and_runs_go_by_their_start(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    nights = {number: _night(number).to_dict() for number in (3, 5, 6)}  # with, with, without the violation
    del nights[3]["header"]["started"]  # an older header: the folder's name says when
    nights[5]["header"]["started"] = "2026-11-25T01:00:00"  # no time zone: read as UTC
    for number, summary in nights.items():
        (_folder(reports, number) / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    runs = read_runs(reports)
    assert [run.name for run in runs] == ["20261123-020000", "20261125-020000", "20261126-020000"]
    assert [track.seen for track in tracks(runs)] == [(Seen.FIRST, Seen.STILL, Seen.FIXED)]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--history", "{tmp}/nowhere"], "nowhere is not a folder of runs"),
        (["--history", "{tmp}/empty"], "no run folder in"),
        (["--history", "{tmp}/empty", "-o", "{tmp}/a-file"], "a-file is a file"),
        (["--history", "{tmp}/run"], "run is one run's folder: give the folder that holds the run folders"),
        (["--history", "{tmp}/empty", "--merge", "a", "b"], "takes no run summary, --merge or --into"),
        (["reports/latest", "--history", "{tmp}/empty"], "takes no run summary"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "summary.json").write_text(json.dumps(_night(0).to_dict()), encoding="utf-8")
    argv = ["report", *(arg.format(tmp=tmp_path) for arg in args)]
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.skipif(BROWSER is None, reason=NO_BROWSER)
def test_the_history_reads_in_a_browser(nightly: Path, tmp_path: Path) -> None:
    assert cli.main(["report", "--history", str(nightly), "-o", str(tmp_path / "site")]) == cli.EXIT_OK
    index = (tmp_path / "site" / "index.html").as_uri()
    dom = browser("--dump-dom", index, user_data=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    # the chart, then the violations over time, then the runs, newest first
    order = [page.index(text) for text in ("<svg", "Distinct violations over time", "<h2>Runs</h2>")]
    assert order == sorted(order)
    assert page.count("<circle") == 10 and page.count("<rect") == 4  # a bar per night with a violation
    assert "show_vault" in page and ">fixed<" in page and ">new<" in page

    shot = Path(os.environ.get("CBR_HISTORY_SCREENSHOT") or tmp_path / "history.png")
    taken = browser(
        f"--screenshot={shot.resolve()}", "--window-size=1200,800", index, user_data=tmp_path / "profile2"
    )
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
