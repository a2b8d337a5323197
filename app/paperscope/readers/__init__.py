"""Readers turn files into records; all of them go through :mod:`paperscope.readers.registry`."""
