"""What a person reads: the self-contained HTML report (html, with its sections on what a run
found wrong or left undone: findings_html, on contract coverage: coverage_html, and on the
post-conditions read back: postconditions_html), the static site of many runs (history) and the
console during and after a run (console).

Everything here renders a run's typed results; nothing here decides an outcome.
"""
