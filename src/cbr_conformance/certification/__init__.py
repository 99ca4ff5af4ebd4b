"""A conformance claim others can check: the versioned test list, certification runs, and the
verification of their reports without rerunning anything."""
