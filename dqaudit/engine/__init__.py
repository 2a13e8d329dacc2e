"""Audit plans and the backends that run them (pandas in memory, SQL pushdown)."""
