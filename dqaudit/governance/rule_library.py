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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqaudit.expectations.rules.library import library_version

if TYPE_CHECKING:
    from dqaudit.expectations.rules.catalogue import BuiltinRule
    from dqaudit.expectations.rules.codelists import CodeList
    from dqaudit.expectations.rules.derivation_catalogue import BuiltinDerivation


def current_version() -> str:
    """The rule library's version now (a SHA-256 of its rule modules and code lists)."""
    return library_version()


@dataclass(frozen=True)
class RuleCatalogue:
    """What ``rules list`` lists: the library's version, its rules, derived datasets and
    built-in code lists (each with its published source)."""

    version: str
    rules: tuple[BuiltinRule, ...]
    derivations: tuple[BuiltinDerivation, ...]
    code_lists: tuple[CodeList, ...]


def rule_catalogue() -> RuleCatalogue:
    """The built-in rule library as data (``dqaudit rules list --json``)."""
    from dqaudit.expectations.rules import codelists
    from dqaudit.expectations.rules.catalogue import RULES
    from dqaudit.expectations.rules.derivation_catalogue import DERIVATIONS

    lists = tuple(codelists.load(name) for name in codelists.builtin_names())
    return RuleCatalogue(current_version(), RULES, DERIVATIONS, lists)
