"""The conformance suite. Fixtures and options come from the cbr_conformance pytest plugin."""
