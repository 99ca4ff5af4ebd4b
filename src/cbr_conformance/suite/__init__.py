"""What the suite's own tests declare about themselves, read from their `cbr` markers.

A test's stable id, the operations it exercises and how (markers, test_kinds), what it wants of
the inventory (wants), and what a run will create on the target, counted from the declarations
the run itself enforces (plan): the plan, the preflight, coverage and the test list all read
them, so none of them can drift from what the tests do.
"""
