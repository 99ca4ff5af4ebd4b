"""Pattern strategies are built once per pattern and alphabet, and still draw what they drew; the
hypothesis step that makes it so is replaced only within a fuzz run or a chain."""

from __future__ import annotations

import re
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.strategies._internal import regex as hypothesis_regex

import cbr_conformance.generation.fuzzing  # noqa: F401 (importing the fuzzer changes nothing of hypothesis)
from cbr_conformance.generation.internals import HYPOTHESIS_REGEX_STEP
from cbr_conformance.generation.pattern_strategies import Kept, reused_pattern_strategies

# The spec's vault and policy names (Table 4-97): the CJK class is what made each build slow.
NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_\-]{1,64}$")


def _draw(strategy: st.SearchStrategy[str], count: int = 20) -> list[str]:
    drawn: list[str] = []

    @hypothesis.seed(1)
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @hypothesis.given(strategy)
    def collect(value: str) -> None:
        drawn.append(value)

    collect()
    return drawn


def test_the_hypothesis_step_reused_is_there_and_replaced_only_within_the_scope() -> None:
    # hypothesis moving it costs speed, never a verdict; this names it when that happens
    original = hypothesis_regex.base_regex_strategy
    assert not hasattr(original, "reuses"), "importing the suite replaced a step of hypothesis"
    with reused_pattern_strategies({}) as reused:
        assert reused, f"{HYPOTHESIS_REGEX_STEP} not found"
        assert hasattr(hypothesis_regex.base_regex_strategy, "reuses"), "the reusing step is not installed"
        with reused_pattern_strategies({}):  # a nested scope keeps the outer one's step
            inner = hypothesis_regex.base_regex_strategy
        assert hypothesis_regex.base_regex_strategy is inner
    assert hypothesis_regex.base_regex_strategy is original


def test_a_filtered_pattern_strategy_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: Kept = {}
    built: list[object] = []
    expand = hypothesis_regex._strategy  # what expands a pattern's classes: the slow part

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(args[0])
        return expand(*args, **kwargs)

    monkeypatch.setattr(hypothesis_regex, "_strategy", counting)
    pattern = re.compile(NAME.pattern + "x?")  # a pattern no other test has built
    alphabet = st.characters(codec="utf-8")
    with reused_pattern_strategies(kept):
        st.from_regex(pattern, alphabet=alphabet).filter(bool).validate()
    first = len(built)
    for _ in range(2):  # what schemathesis does for each case: the same pattern, filtered anew
        with reused_pattern_strategies(kept):  # kept from one fuzz run to the next
            st.from_regex(pattern, alphabet=alphabet).filter(bool).validate()
    assert first and len(built) == first, f"built {first} times for the first case, {len(built)} for 3"
    st.from_regex(pattern, alphabet=alphabet).filter(bool).validate()  # out of scope: hypothesis's own
    assert len(built) > first


def test_reused_strategies_draw_only_what_the_pattern_matches() -> None:
    kept: Kept = {}
    for _ in range(2):
        with reused_pattern_strategies(kept):
            values = _draw(st.from_regex(NAME, fullmatch=True, alphabet=st.characters(codec="utf-8")))
        assert values and all(NAME.fullmatch(v) for v in values), values
    assert kept
