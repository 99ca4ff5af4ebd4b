"""Strategies for a string `pattern`, built once per contract rather than once per generated case.

schemathesis draws a string with a `pattern` through hypothesis's `from_regex(...)` and then
filters it. hypothesis builds a filtered strategy again from its arguments, so every case expands
the pattern's character classes anew; the spec's names admit the 20,902 CJK characters, a costly
expansion each time (bench/README.md has the figures). What the expansion builds depends only on
the pattern and the alphabet, and hypothesis strategies are immutable, so it is kept and reused.

hypothesis offers no public way to do this: the step replaced is an internal one
(`generation.internals.HYPOTHESIS_REGEX_STEP`), replaced only while a fuzz run or a chain runs
and restored after, so that importing the suite changes nothing of hypothesis in the process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from cbr_conformance.generation.internals import hypothesis_regex_module

KEPT_AT_MOST = 256  # patterns x alphabets: the contract has ~30 patterns
Kept = dict[tuple[object, object], Any]


def _reusing(original: Callable[..., Any], kept: Kept) -> Callable[..., Any]:
    def reused(regex: Any, *args: Any, **kwargs: Any) -> Any:
        # hypothesis passes (regex, parsed, alphabet), by position or by name depending on its version;
        # `parsed` is read from `regex` and adds nothing to the key
        alphabet = args[1] if len(args) > 1 else kwargs.get("alphabet")
        key = (regex, alphabet)  # the alphabet by identity, and held: its id is never reused
        try:
            return kept[key]
        except KeyError:
            pass
        except TypeError:  # something unhashable: build it as hypothesis would
            return original(regex, *args, **kwargs)
        built = original(regex, *args, **kwargs)
        if len(kept) >= KEPT_AT_MOST:
            kept.clear()
        kept[key] = built
        return built

    reused.reuses = original  # type: ignore[attr-defined]
    return reused


@contextlib.contextmanager
def reused_pattern_strategies(kept: Kept) -> Iterator[bool]:
    """While open, hypothesis reuses what it built for a pattern and an alphabet, keeping it in
    `kept` (the caller's, e.g. one per contract, so that it outlives one operation's fuzzing).
    Yields False where the hypothesis installed has no such step: then nothing changes but speed.
    Nested scopes keep the outer one's step; on exit the original step is back."""
    regex = hypothesis_regex_module()
    original = getattr(regex, "base_regex_strategy", None)
    if regex is None or original is None or hasattr(original, "reuses"):
        yield original is not None
        return
    setattr(regex, "base_regex_strategy", _reusing(original, kept))  # noqa: B010 (not declared)
    try:
        yield True
    finally:
        setattr(regex, "base_regex_strategy", original)  # noqa: B010
