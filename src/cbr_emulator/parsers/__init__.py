"""Request parsing: JSON bodies and query strings into the models' typed inputs (400 on bad input)."""
