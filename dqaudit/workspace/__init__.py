"""The workspace: a folder holding ``dqaudit.yml``, its suites and (by default) its store."""
