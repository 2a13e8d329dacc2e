"""The sample records systems: fabricated extracts with planted defects (see generate.py)."""
