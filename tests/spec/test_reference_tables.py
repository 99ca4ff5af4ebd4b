"""Each schema names the reference's tables it transcribes (`x-reference-tables`), so that a
violation can cite the table a service owner reads; checked against the reference's text."""

from __future__ import annotations

import re

from cbr_conformance.contract.spec import Contract

# Reference table titles that the spec spells otherwise (errata E-OPLOG-TABLE-NAMES), or whose
# object the spec shares with another operation.
SPELLED = {
    "OpExtendInfoBckup": "OpExtendInfoBackup",
    "OpExtralInfo": "OpExtraInfo",
    "VaultCreateResource": "Vault",
}
# The reference's "Resource" of a task (4.1) is the spec's TaskResource; of a restore point, Resource.
TASK_SECTIONS = ("4.1.",)


def _tables(reference: str) -> dict[str, str]:
    """'4.5.2 Table 4-161' -> the schema name its title gives."""
    found: dict[str, str] = {}
    section = ""
    for line in reference.splitlines():
        heading = re.match(r"^(\d+\.\d+\.\d+) [A-Z]", line)
        if heading:
            section = heading.group(1)
        table = re.match(r"^Table (4-\d+) ([A-Za-z]+)$", line)
        if table and section:
            name = SPELLED.get(table.group(2), table.group(2))
            if name == "Resource" and section.startswith(TASK_SECTIONS):
                name = "TaskResource"
            found[f"{section} Table {table.group(1)}"] = name
    return found


def test_every_cited_table_has_the_schemas_name(contract: Contract, reference_text: str) -> None:
    tables = _tables(reference_text)
    wrong = [
        f"{name}: {cited} is {tables.get(cited, 'no table of the reference')}"
        for name, schema in contract.document["components"]["schemas"].items()
        for cited in schema.get("x-reference-tables", [])
        if tables.get(cited) != name
    ]
    assert wrong == []


def test_every_object_table_of_the_reference_is_cited(contract: Contract, reference_text: str) -> None:
    schemas = contract.document["components"]["schemas"]
    cited = {table for schema in schemas.values() for table in schema.get("x-reference-tables", [])}
    missing = [
        f"{table} ({name})"
        for table, name in _tables(reference_text).items()
        if name in schemas and table not in cited
    ]
    assert missing == []
    assert len(cited) >= 100
