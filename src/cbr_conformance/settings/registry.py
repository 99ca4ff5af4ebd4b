"""How a setting is declared, read and validated: the registry's machinery.

A setting is declared once, as a field of `SuiteConfig` (settings/config.py) made with `setting(...)`: its
name (also its key in the config file), type and default come from the field, and the rest (flag,
environment variables, help, secrecy, the commands that take it, how its value is checked) from
the `Setting` in the field's metadata. The config loader, the CLI's parsers, the pytest plugin's
options and the README's table are all derived from that one declaration.

Every value, from a flag, the environment or the file, goes through the same parser, so the same
mistake gets the same message wherever it comes from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from cbr_conformance.paths import SUMMARY_FILE
from cbr_conformance.transport.auth import Auth

T = TypeVar("T")
Parser = Callable[[Any], Any]
METADATA_KEY = "cbr_setting"

# The commands a setting can belong to; "pytest" is the plugin's own options.
RUN, CLEANUP, PLAN, SPEC, PYTEST, PROXY = "run", "cleanup", "plan", "spec", "pytest", "proxy"
TARGET_COMMANDS = frozenset({RUN, CLEANUP, PYTEST})
SUITE_COMMANDS = frozenset({RUN, PLAN, PYTEST})


@dataclass(frozen=True)
class Setting:
    help: str
    parse: Parser
    kind: str  # "text", "url", "path", "bool", "number", "integer" or "choice": how it is shown and parsed
    flag: str | None = None  # secrets have none: they come from the environment or the file only
    env: tuple[str, ...] = ()  # the first one set wins
    secret: bool = False
    commands: frozenset[str] = SUITE_COMMANDS
    choices: tuple[str, ...] = ()
    name: str = ""  # filled in from the field's name
    default: Any = None  # filled in from the field's default

    @property
    def help_line(self) -> str:
        """The help a flag shows: what, default, environment."""
        default = "" if self.default in (None, False) else f"; default {self.default}"
        env = f"; env {', '.join(self.env)}" if self.env else ""
        return f"{self.help}{default}{env}"

    def option(self) -> dict[str, Any]:
        """How its flag is declared, for argparse and for pytest's options alike: a switch for a
        yes/no setting, otherwise a value that the loader parses (so not typed here)."""
        if self.kind == "bool":
            return {"action": "store_true", "default": None, "help": self.help_line}
        metavar = "|".join(self.choices) if self.choices else self.kind.upper()
        return {"metavar": metavar, "help": self.help_line}

    @property
    def sources(self) -> str:
        """Where the setting may be given, for messages."""
        names = ([self.flag] if self.flag else []) + list(self.env) + [f"'{self.name}' in the config file"]
        return ", ".join(names)


def setting(
    default: T,
    *,
    help: str,
    parse: Parser,
    kind: str,
    flag: str | None = None,
    env: Iterable[str] = (),
    secret: bool = False,
    commands: Iterable[str] = SUITE_COMMANDS,
    choices: Iterable[str] = (),
) -> T:
    """A `SuiteConfig` field that is a setting (typed as its default, for the type checker)."""
    declared = Setting(
        help=help,
        parse=parse,
        kind=kind,
        flag=flag,
        env=tuple(env),
        secret=secret,
        commands=frozenset(commands),
        choices=tuple(choices),
    )
    return field(default=default, metadata={METADATA_KEY: declared})


class ConfigError(ValueError):
    """The configuration is unusable; the message says which setting and why."""


@dataclass(frozen=True)
class ProjectAccess:
    """One project and the credentials that reach it."""

    project_id: str
    auth: Auth


class InvalidValue(ValueError):
    """A value a parser refuses; the message says what is expected."""


# --- parsers: each takes what a flag, a variable or a TOML file gives and returns the typed value ---


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("must be a non-empty string")
    return value.strip()


TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")


def boolean(value: Any) -> bool:
    """A clear yes or no: a typo must never turn a read-only run into one that writes."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise InvalidValue(f"is not a true/false value (use one of {', '.join(TRUE + FALSE)})")


def positive_number(value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidValue("must be a number of seconds")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidValue("must be a number of seconds") from None
    if not number > 0 or number == float("inf"):
        raise InvalidValue("must be a positive number of seconds")
    return number


def integer_from(minimum: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise InvalidValue("must be a whole number")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise InvalidValue("must be a whole number") from None
        if number < minimum:
            raise InvalidValue(f"must be at least {minimum}")
        return number

    return parse


def port(value: Any) -> int:
    """A TCP port; 0 asks the system for a free one."""
    number: int = integer_from(0)(value)
    if number > 65535:
        raise InvalidValue("must be a TCP port, 0-65535 (0: any free port)")
    return number


def one_of(*choices: str) -> Parser:
    def parse(value: Any) -> str:
        if value not in choices:
            raise InvalidValue(f"must be one of {', '.join(choices)}")
        return str(value)

    return parse


def target_url(value: Any) -> str:
    """An http(s) endpoint; a path prefix (a gateway's) is kept, a trailing /v3 is understood."""
    url = text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValue("must be an http:// or https:// URL with a host, e.g. https://cbr.example.com")
    if parts.query or parts.fragment:
        raise InvalidValue("must not carry a query or a fragment")
    path = parts.path.rstrip("/")
    # The suite adds /v3/{project_id}/...: an endpoint copied with its version is understood.
    path = re.sub(r"/v3$", "", path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def control_url(value: Any) -> str:
    url = text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValue("must be an http:// or https:// URL, e.g. http://127.0.0.1:9000/_emulator")
    return url.rstrip("/")


def readable_json_file(value: Any) -> Path:
    path = Path(text(str(value))).expanduser()
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidValue("no such file") from None
    except IsADirectoryError:
        raise InvalidValue("is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"cannot be read: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidValue(f"is not JSON: {exc}") from None
    return path


def spec_folder(value: Any) -> Path:
    """A folder holding a (patched) copy of the contract, or its cbr-v3.yaml."""
    from cbr_conformance.paths import CONTRACT_FILES

    path = Path(text(str(value))).expanduser()
    folder = path.parent if path.is_file() else path
    if not folder.is_dir():
        raise InvalidValue("no such folder or file")
    missing = [name for name in CONTRACT_FILES if not (folder / name).is_file()]
    if missing:
        raise InvalidValue(f"the folder {folder} lacks {', '.join(missing)}")
    return folder


def name_prefix(value: Any) -> str:
    # Policy names allow [A-Za-z0-9_-] only (4.5.1), and every created name starts with the prefix.
    prefix = text(value)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", prefix):
        raise InvalidValue("must be 1-32 characters of A-Z, a-z, 0-9, _ and -")
    return prefix


def folder(value: Any) -> Path:
    path = Path(text(str(value))).expanduser()
    if path.exists() and not path.is_dir():
        raise InvalidValue("exists and is not a folder")
    return path


def writable_file(value: Any) -> Path:
    path = Path(text(str(value))).expanduser()
    if path.is_dir():
        raise InvalidValue("is a folder, not a file")
    if not path.parent.is_dir():
        raise InvalidValue(f"its folder {path.parent} does not exist")
    return path


def readable_file(value: Any) -> Path:
    path = Path(text(str(value))).expanduser()
    if not path.is_file():
        raise InvalidValue("no such file")
    return path


def run_summary(value: Any) -> Path:
    """A run's folder (or its summary.json), as the summary file; resolved, so that a
    `reports/latest` given stays the run it named when the new run takes that name. Whether it
    reads as a run summary is for the command that reads it to say, before the run starts."""
    path = Path(text(str(value))).expanduser()
    file = path / SUMMARY_FILE if path.is_dir() else path
    if not file.is_file():
        raise InvalidValue(f"no run summary at {file}")
    return file.resolve()


def workers(value: Any) -> str:
    """ "auto", or a number of parallel workers (0: one process)."""
    word = str(value).strip().lower()
    if word == "auto":
        return word
    return str(integer_from(0)(word))
