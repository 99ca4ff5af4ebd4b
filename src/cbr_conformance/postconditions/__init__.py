"""What a 2xx answer implies about later reads: the post-conditions of the CBR operations.

`declared.py` states them once, as data, each with the reference section that grounds it;
`reading.py` is a write as the rules see it and the reads they make; `rules.py` holds one
function per rule, saying what its read-backs must show; `time_driven.py` the judges of the
rules of a policy's times, which the scenarios that move the target's clock call; `checking.py`
runs them through the suite's one client, after the answer that implies them, and decides when
a rule is broken.
"""
