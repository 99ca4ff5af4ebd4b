"""The undocumented parts of schemathesis and hypothesis that generation reads, named in one place.

Each is read only where nothing public gives the same, and each has a test
(tests/library/test_schemathesis_api.py, tests/library/test_pattern_strategies.py) that fails
naming it when a release moves it, instead of the fuzzer quietly changing its verdicts:
- a negative case's description (`Case.meta.phase.data.description`): schemathesis's words for
  what it breaks, in a failure's message (what it breaks is judged by the suite's own request
  check, never read from schemathesis);
- `schemathesis.core.NotSet`, what `Case.body` holds when a case has no body (None being a valid
  JSON body);
- the keywords of `schemathesis.Response`'s constructor (the class is public, its constructor is
  not), to hand a chain's checks what the suite's own client received;
- hypothesis's `base_regex_strategy`, the step that expands a pattern's character classes (see
  pattern_strategies.py for why it is reused, and for how narrowly);
- hypothesis's local constants (`_get_local_constants` and the `CONSTANTS_CACHE` built from them):
  hypothesis draws some values from the string and number constants of the modules loaded from
  the folder it runs in, which for a suite installed from a checkout are the suite's own. Cases
  would then depend on the suite's code, on how it was installed (a wheel has none) and on which
  modules a worker happened to import first; while the suite generates, hypothesis draws none.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import requests
import schemathesis
import schemathesis.core
from schemathesis import Case
from schemathesis import Response as StResponse

from cbr_conformance.transport.recording import Exchange

# The schemathesis releases whose internals are read here; tests/library/test_schemathesis_api.py
# fails, naming the attribute, if they move.
SCHEMATHESIS_TESTED = ">=4.28,<4.33"
HYPOTHESIS_REGEX_STEP = "hypothesis.strategies._internal.regex.base_regex_strategy"
HYPOTHESIS_PROVIDERS = "hypothesis.internal.conjecture.providers"


class SchemathesisInternalsMoved(RuntimeError):
    """An undocumented part of schemathesis that the fuzzer reads is not where it was: reading on
    would silently change verdicts (e.g. every negative case rejected as breaking nothing)."""

    def __init__(self, path: str, problem: str = "not found") -> None:
        super().__init__(
            f"schemathesis internals moved: {path} {problem}; cbr-conformance is tested with "
            f"schemathesis {SCHEMATHESIS_TESTED} (installed: {schemathesis.__version__})"
        )
        self.path = path


def st_internal(obj: object, owner: str, attributes: str) -> Any:
    """Read the dotted `attributes` of `obj` (named `owner` in the message), an undocumented part of
    schemathesis, failing loudly if it moved rather than carrying on with a default."""
    value: Any = obj
    path = owner
    for attribute in attributes.split("."):
        if value is None:
            raise SchemathesisInternalsMoved(path, "is None")
        path = f"{path}.{attribute}"
        try:
            value = getattr(value, attribute)
        except AttributeError:
            raise SchemathesisInternalsMoved(path) from None
    return value


NotSet: type = st_internal(schemathesis.core, "schemathesis.core", "NotSet")


def case_description(case: Case[Any]) -> str:
    """schemathesis's words for what a negative case breaks."""
    return str(st_internal(case, "Case", "meta.phase.data.description") or "")


def case_body(case: Case[Any]) -> Any:
    """The case's request body; None when it has none."""
    return None if isinstance(case.body, NotSet) else case.body


def schemathesis_response(exchange: Exchange) -> StResponse:
    """What the suite's client received, as schemathesis's checks of a chain read an answer."""
    request = requests.Request(exchange.method, exchange.url).prepare()
    headers = {name: [value] for name, value in exchange.response_headers.items()}
    # keywords, so that a change of the constructor fails loudly
    return StResponse(
        status_code=exchange.status or 0,
        headers=headers,
        content=exchange.response_text.encode(),
        request=request,
        elapsed=exchange.elapsed,
        verify=True,
    )


def hypothesis_regex_module() -> ModuleType | None:
    """The hypothesis module holding `base_regex_strategy`; None where this hypothesis has none."""
    module_name, _, _ = HYPOTHESIS_REGEX_STEP.rpartition(".")
    try:
        return importlib.import_module(module_name)
    except ImportError:
        return None


@contextlib.contextmanager
def without_local_constants(kept: dict[str, Any] | None = None) -> Iterator[bool]:
    """While open, hypothesis draws no constants from the modules of the folder it runs in, so
    that a seed's cases are the same whatever the suite's code and however it was installed.
    Yields False where this hypothesis has no such constants (then there is nothing to leave out).
    The constants cached outside are set aside meanwhile: none drawn outside leaks in, or out; the
    ones cached inside are kept in `kept` (the caller's, e.g. one per contract) for the next time,
    since working out which constants a kind of value permits is not free."""
    providers = importlib.import_module(HYPOTHESIS_PROVIDERS)
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    constants = getattr(providers, "Constants", None)
    if original is None or cache is None or constants is None or hasattr(original, "leaves_out"):
        yield original is not None and cache is not None and constants is not None
        return
    empty = constants()

    def none() -> Any:
        return empty

    none.leaves_out = original  # type: ignore[attr-defined]
    setattr(providers, "_get_local_constants", none)  # noqa: B010 (not declared)
    inside = (kept if kept is not None else {}).setdefault("constants cache", type(cache)(cache.max_size))
    setattr(providers, "CONSTANTS_CACHE", inside)  # noqa: B010
    try:
        yield True
    finally:
        setattr(providers, "_get_local_constants", original)  # noqa: B010
        setattr(providers, "CONSTANTS_CACHE", cache)  # noqa: B010
