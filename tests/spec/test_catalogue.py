"""The error-code catalogue holds the whole appendix, each code once, with its status."""

from __future__ import annotations

import re

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.spec import Contract

APPENDIX_ROW = re.compile(r"^(\d{3})\t(BackupService\.\d{4})\t")


def _appendix_rows(reference_text: str) -> list[tuple[int, str]]:
    start = reference_text.index("\n7.2 Error Codes\n", reference_text.index("\n7 Appendix\n"))
    end = reference_text.index("\n7.3 Obtaining a Project ID\n", start)
    rows = []
    for line in reference_text[start:end].splitlines():
        match = APPENDIX_ROW.match(line)
        if match:
            rows.append((int(match.group(1)), match.group(2)))
    return rows


def test_every_appendix_code_is_catalogued_once_with_its_status(
    catalogue: Catalogue, reference_text: str
) -> None:
    rows = _appendix_rows(reference_text)
    assert len(rows) == 172
    appendix = [e for e in catalogue.entries if e.source == "appendix"]
    assert sorted((e.status, e.code) for e in appendix) == sorted(rows)
    assert len({e.code for e in appendix}) == len(appendix)


def test_gateway_codes_cover_authentication_and_routing(catalogue: Catalogue) -> None:
    assert catalogue.statuses["APIGW.0301"] == {401}
    assert catalogue.statuses["APIGW.0302"] == {403}
    assert catalogue.statuses["APIGW.0101"] == {404, 405}


def test_problem_names_unknown_codes_and_wrong_statuses(catalogue: Catalogue) -> None:
    assert catalogue.problem(404, "BackupService.6105") is None
    assert "not in the error-code catalogue" in str(catalogue.problem(404, "BackupService.0000"))
    assert "documented with status 404, not 400" in str(catalogue.problem(400, "BackupService.6105"))


def test_every_catalogued_code_fits_the_error_schema(catalogue: Catalogue, contract: Contract) -> None:
    validator = contract.validator(contract.schema_ref("Error"))
    for entry in catalogue.entries:
        assert not list(validator.iter_errors({"error_code": entry.code, "error_msg": entry.message}))
