"""A validating reverse proxy: real clients' traffic checked against the contract, both ways.

`cbr-conformance proxy` forwards each request to the target unchanged (forwarding), judges the
client's request and the service's answer with the suite's own checks (judging), keeps every
exchange in one place (traffic) and writes its report in a run's format (server). The ASGI
application that ties them together is in app.
"""
