"""Helpers for the authors of conformance tests: assertions that read like the contract
(expect), request bodies (bodies), paged queries (paging) and the steps of scenario tests
(scenario).

They sit just above the client, so a test reads as the reference's own application cases do.
"""
