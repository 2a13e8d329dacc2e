"""How audits run: the engine that validates an extract, its results, and the audit store."""
