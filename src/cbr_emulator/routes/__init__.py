"""HTTP layer: one module per API area of the reference, plus the control API."""
