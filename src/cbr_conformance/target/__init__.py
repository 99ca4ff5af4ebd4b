"""The target under test and the suite's one way of talking to it.

Where the target is (endpoint: a URL, or the embedded emulator), the one client every request
goes through (client: contract checks, read-only, redaction, cleanup at birth), what the run
made there, what it adds to the bill, and how each thing is deleted again (made, creations,
lifecycle, sweep), the run's workspace in this process (workspace), waiting for its asynchronous
work and reporting the work that never ends (waiters, stalls), and its clock where it can be
moved (clock, clock_lock, moments).
"""
