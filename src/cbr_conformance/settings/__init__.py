"""The suite's settings: each declared once (config), with the registry's machinery of
declaring, parsing and validating them (registry), their loading from the file, the environment
and the flags (loading), and the README's table generated from them (doc).

Flags, environment variables and the TOML file are all read through the one registry, so a
setting cannot mean one thing on the command line and another in a file.
"""
