"""Business rules of CBR, without HTTP. State is keyed by project id."""
