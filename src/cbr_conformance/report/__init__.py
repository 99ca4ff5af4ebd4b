"""What a person reads: the self-contained HTML report (html, with its contract coverage
section: coverage_html) and the console during and after a run (console).

Everything here renders a run's typed results; nothing here decides an outcome.
"""
