"""Strategies for a string `pattern`, built once per process rather than once per generated case.

schemathesis draws a string with a `pattern` through hypothesis's `from_regex(...)` and then
filters it. hypothesis builds a filtered strategy again from its arguments, so every case expands
the pattern's character classes anew; the spec's names admit the 20,902 CJK characters, ~0.1 s of
CPU each time. That was about a sixth of the fuzzing's CPU (bench/README.md), which on a slow
target competes with a dozen workers for the same cores. What the expansion builds depends only on
the pattern and the alphabet, and hypothesis strategies are immutable, so it is kept and reused.
"""

from __future__ import annotations

from typing import Any

from hypothesis.strategies._internal import regex as _regex

_KEPT_AT_MOST = 256  # patterns x alphabets: the contract has ~30 patterns
_built: dict[tuple[object, object], Any] = {}


def _base_regex_strategy(original: Any) -> Any:
    def reused(regex: Any, *args: Any, **kwargs: Any) -> Any:
        # hypothesis passes (regex, parsed, alphabet), by position or by name depending on its version;
        # `parsed` is read from `regex` and adds nothing to the key
        alphabet = args[1] if len(args) > 1 else kwargs.get("alphabet")
        key = (regex, alphabet)  # the alphabet by identity, and held: its id is never reused
        try:
            return _built[key]
        except KeyError:
            pass
        except TypeError:  # something unhashable: build it as hypothesis would
            return original(regex, *args, **kwargs)
        built = original(regex, *args, **kwargs)
        if len(_built) >= _KEPT_AT_MOST:
            _built.clear()
        _built[key] = built
        return built

    reused.reuses = original  # type: ignore[attr-defined]
    return reused


def reuse_pattern_strategies() -> bool:
    """Have hypothesis reuse what it built for a pattern and an alphabet; once per process.
    False where the hypothesis installed has no such step (then nothing changes but speed)."""
    original = getattr(_regex, "base_regex_strategy", None)
    if original is None:
        return False
    if not hasattr(original, "reuses"):
        _regex.base_regex_strategy = _base_regex_strategy(original)
    return True
