"""Owner action plans: findings from audits, Excel plans out and back, exceptions, email."""
