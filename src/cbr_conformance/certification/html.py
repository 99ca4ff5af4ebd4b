"""The HTML rendering of a certification's report: one self-contained page, for people; the
JSON beside it is the claim `verify` checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from cbr_conformance.report.html import STYLE
from cbr_conformance.results.header import header_lines
from cbr_conformance.results.run_header import RunHeader

_ROW_CSS = {"passed": "pass", "not applicable": "none", "not tested": "skip", "blocked": "blocked"}


def _definitions(fields: Iterable[tuple[str, Any]]) -> str:
    items = "".join(f"<dt>{escape(name)}</dt><dd>{escape(str(value))}</dd>" for name, value in fields)
    return f"<dl class='hdr'>{items}</dl>"


def _tests(rows: Iterable[Mapping[str, Any]]) -> str:
    lines = ["<table><tr><th>test</th><th>status</th><th>section</th><th>outcome</th><th>why</th></tr>"]
    for row in rows:
        css = _ROW_CSS.get(str(row.get("outcome")), "fail")
        why = row.get("why") or row.get("flag_reason") or ""
        lines.append(
            f"<tr><td>{escape(str(row.get('id')))}</td><td>{escape(str(row.get('status')))}</td>"
            f"<td>{escape(str(row.get('section')))}</td>"
            f"<td class='cell {css}'>{escape(str(row.get('outcome')))}</td><td>{escape(str(why))}</td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def render_certification(report: Mapping[str, Any]) -> str:
    result = report.get("result", {})
    certified = bool(result.get("certified"))
    badge = (
        f"<span class='verdict {'ok' if certified else 'ko'}'>"
        f"{'certified' if certified else 'not certified'}</span>"
    )
    failed = "".join(f"<li>{escape(str(line))}</li>" for line in result.get("failures", []))
    identity = [
        ("suite", f"{report['suite']['version']} (sha256 {report['suite']['sha256']})"),
        ("test list", f"{report['test_list']['version']} (sha256 {report['test_list']['sha256']})"),
        ("contract sha256", report["contract"]["sha256"]),
        ("errata sha256", report["contract"]["errata_sha256"]),
        *report.get("certification", {}).items(),
        ("digest", f"{report['digest']['algorithm']} {report['digest']['value']}"),
    ]
    signature = report.get("signature")
    if isinstance(signature, Mapping):
        identity.append(
            ("signature", f"{signature.get('algorithm')}, key {signature.get('key_fingerprint')}")
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>CBR conformance certification: {escape(str(report['product'].get('name')))}</title>"
        f"<style>{STYLE}</style></head><body><h1>CBR v3 conformance certification</h1>"
        f"<p>{badge}</p>{f'<ul>{failed}</ul>' if failed else ''}"
        f"<h2>Product</h2>{_definitions(report['product'].items())}"
        f"<h2>Suite and contract</h2>{_definitions(identity)}"
        f"<h2>Run</h2>{_definitions(header_lines(RunHeader.from_dict(report.get('settings', {}))))}"
        f"<h2>Tests</h2>{_tests(report.get('tests', []))}"
        "<p><small>The JSON beside this page is the claim: check it with "
        "<code>cbr-conformance verify</code>.</small></p></body></html>"
    )


def write_certification_html(report: Mapping[str, Any], out: Path) -> None:
    out.write_text(render_certification(report), encoding="utf-8")
