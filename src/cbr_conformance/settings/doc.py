"""The README's table of settings, generated from the registry: `python -m cbr_conformance.settings.doc`.

A project test compares the README with this output, so the documentation cannot drift.
"""

from __future__ import annotations

from cbr_conformance.settings.config import SETTINGS
from cbr_conformance.settings.loading import CONFIG_ENV, CONFIG_FLAG, CONFIG_TABLE


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table() -> str:
    rows = [
        "| setting (config file key) | flag | environment | default | what |",
        "| --- | --- | --- | --- | --- |",
        f"| (the config file itself) | `{CONFIG_FLAG}` | `{CONFIG_ENV}` | | a TOML file whose "
        f"`[{CONFIG_TABLE}]` table holds any of the settings below, by key |",
    ]
    for name, declared in SETTINGS.items():
        flag = f"`{declared.flag}`" if declared.flag else "— (secret)"
        env = ", ".join(f"`{v}`" for v in declared.env)
        default = "" if declared.default in (None, False) else f"`{declared.default}`"
        rows.append(f"| `{name}` | {flag} | {env} | {_cell(default)} | {_cell(declared.help)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
