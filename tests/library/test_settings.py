"""The settings registry: each setting declared once, read the same way from flag, environment and file."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import cli
from cbr_conformance.settings.config import SETTINGS, SuiteConfig, settings_for
from cbr_conformance.settings.loading import load_config
from cbr_conformance.settings.registry import CLEANUP, PROXY, PYTEST, RUN, ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def _load(
    flags: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    file: str = "",
    tmp_path: Path | None = None,
) -> SuiteConfig:
    path = None
    if file:
        assert tmp_path is not None
        path = tmp_path / "settings.toml"
        path.write_text(file, encoding="utf-8")
    return load_config(flags or {}, environ=env or {}, config_file=path)


def _problem(message: str) -> str:
    """The part of a message after where the value came from."""
    return message.split(": ", 1)[1]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("read_only", "treu"),
        ("max_wait", "-1"),
        ("request_timeout", "0"),
        ("poll_interval", "soon"),
        ("fuzz_examples", "0"),
        ("fuzz_seed", "-3"),
        ("profile", "lenient"),
        ("target_url", "cbr.example.com"),
        ("run_prefix", "has space"),
    ],
)
def test_the_same_mistake_gets_the_same_message_from_flag_environment_and_file(
    tmp_path: Path, name: str, value: str
) -> None:
    declared = SETTINGS[name]
    messages = []
    for source in ("flag", "env", "file"):
        with pytest.raises(ConfigError) as caught:
            if source == "flag":
                _load(flags={name: value})
            elif source == "env":
                _load(env={declared.env[0]: value})
            else:
                _load(file=f'[cbr-conformance]\n{name} = "{value}"\n', tmp_path=tmp_path)
        messages.append(str(caught.value))
    assert messages[0].startswith(str(declared.flag)) and messages[1].startswith(declared.env[0])
    assert name in messages[2]
    assert len({_problem(m) for m in messages}) == 1, messages


def test_flags_win_over_the_environment_which_wins_over_the_file(tmp_path: Path) -> None:
    file = "[cbr-conformance]\nmax_wait = 5\npoll_interval = 0.5\nrequest_timeout = 7\n"
    config = _load({"max_wait": "9"}, {"CBR_MAX_WAIT": "8", "CBR_POLL_INTERVAL": "0.25"}, file, tmp_path)
    assert (config.max_wait, config.poll_interval, config.request_timeout) == (9.0, 0.25, 7.0)


@pytest.mark.parametrize("word", ["true", "1", "yes", "ON", True])
def test_clear_true_values_mean_read_only(word: str | bool) -> None:
    assert _load({"read_only": word}).read_only is True


def test_the_config_file_knows_only_the_registry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown settings in .*: timout \(known: .*max_wait"):
        _load(file="timout = 3\n", tmp_path=tmp_path)
    with pytest.raises(ConfigError, match="cannot read the config file"):
        _load(file="[cbr-conformance\n", tmp_path=tmp_path)


def test_an_inventory_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--inventory = .*: no such file"):
        _load({"inventory": str(tmp_path / "missing.json")})
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"CBR_INVENTORY = .*: is not JSON"):
        _load(env={"CBR_INVENTORY": str(tmp_path / "broken.json")})
    with pytest.raises(ConfigError, match="is a folder"):
        _load({"inventory": str(tmp_path)})


def test_a_second_project_without_credentials_names_its_own_variables() -> None:
    env = {"CBR_TARGET_URL": "https://cbr.example", "CBR_PROJECT_ID": "p1", "CBR_AUTH_TOKEN": "t"}
    with pytest.raises(ConfigError) as caught:
        _load(env={**env, "CBR_SECOND_PROJECT_ID": "p2"})
    message = str(caught.value)
    assert "second project" in message and "CBR_SECOND_AUTH_TOKEN" in message and "CBR_SECOND_AK" in message
    assert "HUAWEICLOUD_SDK_AK" not in message
    with pytest.raises(ConfigError, match="CBR_SECOND_AK is set but CBR_SECOND_SK is not"):
        _load(env={**env, "CBR_SECOND_PROJECT_ID": "p2", "CBR_SECOND_AK": "AK"})
    with pytest.raises(ConfigError, match="no second project id"):
        _load(env={**env, "CBR_SECOND_AUTH_TOKEN": "t2"}).check_target_access()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("https://gw.example/cbr", "https://gw.example/cbr"),
        ("https://gw.example/cbr/", "https://gw.example/cbr"),
        ("https://cbr.example.com/v3", "https://cbr.example.com"),
        ("https://cbr.example.com/v3/", "https://cbr.example.com"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
    ],
)
def test_target_urls_keep_a_gateway_prefix_and_understand_v3(given: str, used: str) -> None:
    assert _load({"target_url": given}).target_url == used


@pytest.mark.parametrize("url", ["cbr.example.com", "ftp://cbr.example.com", "https://", "https://h/?a=1"])
def test_target_urls_that_are_not_http_endpoints_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="--target-url"):
        _load({"target_url": url})


def test_secrets_have_no_flag_and_never_show(tmp_path: Path) -> None:
    for declared in SETTINGS.values():
        if declared.secret:
            assert declared.flag is None, declared.name
    config = _load(env={"CBR_AUTH_TOKEN": "tok-123456", "HUAWEICLOUD_SDK_SK": "sk-abcdef"})
    assert "tok-123456" not in repr(config) and "sk-abcdef" not in repr(config)
    with pytest.raises(ConfigError) as caught:
        _load(file='token = ["not", "text"]\n', tmp_path=tmp_path)
    assert "not" not in str(caught.value).split(":", 1)[1].replace("non-empty", "")


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def _subparser(command: str) -> argparse.ArgumentParser:
    parser = cli.build_parser()
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    chosen: argparse.ArgumentParser = subparsers.choices[command]
    return chosen


@pytest.mark.parametrize("command", [RUN, CLEANUP, PROXY])
def test_each_command_offers_exactly_the_flags_of_its_settings(command: str) -> None:
    expected = {d.flag for d in settings_for(command) if d.flag}
    # arguments, not settings
    own = {"-h", "--help", "--config", "--prefix", "--dry-run", "--run", "--plan", "--json"}
    offered = _flags(_subparser(command)) - own
    assert offered == expected
    if command == CLEANUP:
        assert not offered & {"--fuzz-examples", "--fuzz-seed", "--read-only", "--profile"}
    if command == PROXY:
        assert {"--target-url", "--port", "--report-dir", "--enforce"} <= offered
        assert not offered & {"--fuzz-examples", "--read-only", "--project-id", "--workers"}


def test_the_pytest_plugin_offers_the_flags_of_its_settings(pytestconfig: pytest.Config) -> None:
    for declared in settings_for(PYTEST):
        if declared.flag:
            assert pytestconfig.getoption(f"cbr_{declared.name}", default="absent") != "absent", declared.flag


def _readme_table() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("| setting (config file key) | flag |")
    rows = []
    for line in text[start:].splitlines():
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_the_readme_settings_table_is_the_registry() -> None:
    from cbr_conformance.settings.doc import settings_table

    assert _readme_table() == settings_table().splitlines(), (
        "README.md's settings table differs from the registry: paste `python -m cbr_conformance.settings.doc`"
    )


def test_every_setting_is_documented_with_its_file_key() -> None:
    table = "\n".join(_readme_table())
    for name, declared in SETTINGS.items():
        assert f"`{name}`" in table
        for variable in declared.env:
            assert variable in table
    assert not re.search(r"\bTODO\b", table)


def test_an_installed_suite_finds_its_files() -> None:
    from cbr_conformance import paths

    assert (paths.spec_dir() / "cbr-v3.yaml").is_file()
    assert (paths.suite_dir() / "test_vaults.py").is_file()
    assert json.loads((paths.fixtures_dir() / "inventory.json").read_text())["projects"]


def test_the_readmes_vault_sizes_are_the_codes() -> None:
    """The README's GB figures outside the settings table: the size the tests make a vault of
    (bodies.DEFAULT_VAULT_SIZE) and the default of --max-vault-size, never another figure."""
    from cbr_conformance.testkit.bodies import DEFAULT_VAULT_SIZE

    text = README.read_text(encoding="utf-8")
    largest = SETTINGS["max_vault_size"].default
    for match in re.finditer(r"(\d+) GB by default|--max-vault-size GB` \((\d+) by default", text):
        assert int(match.group(1) or match.group(2)) == largest, match.group(0)
    made = re.findall(r"vaults(?:: | of )(\d+) GB", text)
    assert made and all(int(size) == DEFAULT_VAULT_SIZE for size in made), made
    assert re.findall(r"--max-vault-size \((\d+) GB\)", text) == [str(largest)]
