"""Which version of the built-in rule library (code lists and rule logic) is in use.

A suite's hash covers its own text, not the code lists and rule modules it calls, so a
fix to the library changes what an approved suite means. Each run and approval records
this version: ``suite status`` flags a suite approved under another version, and a
finding is never verified across a change (see ``dqaudit.actions.finding_status``).
The version itself is the library's own content hash
(``dqaudit.expectations.rules.library.library_version``); governance, audits and
reports ask for it here, once per command, and pass it on.
"""

from __future__ import annotations

from dqaudit.expectations.rules.library import library_version


def current_version() -> str:
    """The rule library's version now (a SHA-256 of its rule modules and code lists)."""
    return library_version()
