"""Conformance suite for the CBR v3 REST API."""

__version__ = "0.1.0"
