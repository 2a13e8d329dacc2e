"""Where extracts come from: one connector per kind of records-system source."""
