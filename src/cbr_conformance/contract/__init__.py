"""The contract: the OpenAPI spec, its errata and error-code catalogue, and every judgement
made from them alone.

What an operation accepts and answers (spec), where the spec departs from the reference's letter
(errata), which error codes exist and which operations answer them (catalogue, code_subjects,
codes), the rules the spec's prose adds (spec_rules, service_rules), the links between operations
(links), the checks every answer and request goes through (checks, request_check), and what of the
contract an exchange exercised (surface, exchange_facts). Nothing here speaks to a target: it reads
the spec and recorded exchanges (`transport.recording`) only. `bundle` writes the spec as one file.
"""
