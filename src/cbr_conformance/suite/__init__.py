"""What the suite's own tests declare about themselves, read from their `cbr` markers.

A test's stable id, the operations it exercises and how (markers, test_kinds), and what it wants
of the inventory (wants): the plan, the preflight, coverage and the test list all read these
declarations, so none of them can drift from what the tests do.
"""
