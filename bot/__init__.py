"""Composition root: settings, configuration, wiring and the command line."""
