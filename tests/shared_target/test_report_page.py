"""The HTML report of a run against a broken target, read in a real headless browser.

The page must be the same whether the run wrote it or `cbr-conformance report` rebuilt it, lead
with the verdict and the matrix, link each matrix cell to its tests and each failed test to its
violation, and read without JavaScript. Set CBR_REPORT_SCREENSHOT to a PNG path to keep the
browser's screenshot (the README's image is made so).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import BROWSER, NO_BROWSER, browser
from tests.shared_target.harness import run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

pytestmark = pytest.mark.skipif(BROWSER is None, reason=NO_BROWSER)


def _drop_billing_size(exchange: Exchange) -> None:
    """The target answers show_vault without the vault's billing size, a required field."""
    shows = exchange.method == "GET" and re.search(r"/vaults/[^/?]+$", exchange.path.split("?")[0])
    if shows and exchange.status == 200:
        body = json.loads(exchange.answer)
        body["vault"]["billing"].pop("size", None)
        exchange.answer = json.dumps(body).encode()


def test_the_report_of_a_broken_target_reads_in_a_browser(emulator: tuple[str, Path], tmp_path: Path) -> None:
    url, inventory = emulator
    with MutatingProxy(url, on_answer=_drop_billing_size) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path / "reports", 3, "-k", "test_vaults", "-n", "2")
    assert result.code == 1, result.output[-2000:]
    run = (tmp_path / "reports" / "latest").resolve()
    written = (run / "index.html").read_bytes()
    assert b"<script" not in written.lower()  # it reads without JavaScript: it has none

    # `report` rebuilds the very page the run wrote, and never another one
    rebuild = [sys.executable, "-m", "cbr_conformance.cli", "report", str(run)]
    subprocess.run(rebuild, capture_output=True, text=True, timeout=120, check=True)
    assert (run / "index.html").read_bytes() == written

    dom = browser("--dump-dom", (run / "index.html").as_uri(), user_data=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    # verdict and matrix first, then the violation, citing the reference's table of the object
    order = [page.index(text) for text in ("DOES NOT CONFORM", "Conformance matrix", "Distinct violations")]
    assert order == sorted(order)
    assert "show_vault" in page and "size" in page and "Table 4-" in page
    # every link inside the page leads somewhere: matrix cells to their tests, tests to violations
    targets = set(re.findall(r'href="#([^"]+)"', page))
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert targets and targets <= ids, sorted(targets - ids)[:5]
    assert any(t.startswith("tests-show_vault-") for t in targets)
    assert "violation-1" in targets

    shot = Path(os.environ.get("CBR_REPORT_SCREENSHOT") or tmp_path / "report.png")
    taken = browser(
        f"--screenshot={shot.resolve()}", "--window-size=1280,2200", (run / "index.html").as_uri(),
        user_data=tmp_path / "profile2",
    )  # fmt: skip
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
