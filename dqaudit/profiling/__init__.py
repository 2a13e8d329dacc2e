"""Profiling an extract and drafting a suite from it (``extract profile``, ``suite draft``).

A services-layer package: it reads extracts through the connectors, checks values with
the police rule library's own functions and reads text as the engine reads it; nothing
below imports it.
"""
