"""Command groups of the dqaudit CLI, one module per area; ``dqaudit.cli`` attaches them."""
