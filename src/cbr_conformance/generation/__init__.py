"""Tests the suite generates rather than writes: property-based fuzzing of every operation
(fuzzing, with its strategies and the state a valid case needs: pattern_strategies,
preconditions) and stateful chains along the spec's links (stateful).

Both are driven by schemathesis and hypothesis; `suite_tests` is what the conformance tests import,
so that a worker that runs neither kind never pays for importing them.
"""
