"""The audit store: schema, migrations and the one door every read and write goes through."""
