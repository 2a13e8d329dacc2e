"""A few months of history for the demo, derived from the base extracts deterministically.

Why this exists
---------------
One audit of one extract shows no movement: no trend, no "previous count", no finding
verified because its records were put right. Real records systems change from month to
month: some defects are fixed, new ones appear. This module describes ``MONTHS`` audits of
the sample systems (the last one is the current month) as the base extracts with some of
their planted defects not (yet, or any longer) present: the record is as it was before
the defect was planted, which ``generate.build_clean()`` rebuilds exactly.

Each month becomes one entry of ``manifest.json``'s ``months`` list:

- ``withheld``: the base defects (suite, rule id, key) NOT present that month, so the
  month's expected defects are the manifest's ``defects`` less these;
- ``restore``: for each of those records, the dataset, line and the cells that put it back
  as it was (text exactly as the extract writes it).

``dqaudit demo`` applies ``restore`` to copies of the extracts before each month's audit
(it never runs this code: the manifest is data). Only records whose defect is their only
planted one, in columns no other dataset's rule looks up (not nominals' PNC ID or
reference, addresses' UPRN, custody references), are changed, so no other rule's verdict
moves; ``tests/test_demo.py`` checks each month finds exactly its defects.

Usage: called by ``generate.py`` (``month_entries``) when it writes the manifest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

MONTHS = 3
# How many of a rule's base defects (first by line) are present in months 1, 2 and 3.
# A rule not listed keeps all its defects every month.
SCHEDULE: dict[str, tuple[int, int, int]] = {
    # PNC nominals: gender codes fixed after the owner agreed (verified in month 3), CRO
    # numbers improving, NI numbers appearing in month 2, dates of birth growing. (Not
    # PNC IDs: other datasets look nominals up by them, so fixing one moves their rules.)
    "PNC-NOM-010": (4, 4, 0),
    "PNC-NOM-007": (8, 8, 3),
    "PNC-NOM-013": (0, 6, 6),
    "PNC-NOM-009": (3, 5, 8),
    # Gazetteer: historical addresses put right by month 2 (verified), a new state-code in
    # the latest month, logical status improving.
    "GAZ-ADR-013": (3, 0, 0),
    "GAZ-ADR-014": (0, 0, 2),
    "GAZ-ADR-009": (4, 4, 1),
    # Custody: officer ethnicity codes corrected (verified in month 3).
    "CUS-011": (4, 4, 0),
}
LABELS = ("two months before the latest audit", "the month before", "the latest audit")


def month_entries(
    clean: dict[str, list[dict]],
    planted: dict[str, list[dict]],
    defects: list[dict],
    columns: dict[str, list[str]],
    cell: Callable[[object], str],
    dataset_of: Callable[[dict], str],
) -> list[dict]:
    """The ``months`` entries of the manifest.

    ``clean`` and ``planted`` are the datasets before and after defects were planted
    (rows in the same order), ``defects`` the manifest's defect entries, ``columns`` each
    dataset's columns, ``cell`` how a value is written, ``dataset_of`` a defect's dataset id.
    """
    per_row = Counter((dataset_of(d), d["line"]) for d in defects)
    entries = []
    for month in range(MONTHS):
        withheld, restore = [], []
        for rule_id, counts in sorted(SCHEDULE.items()):
            chosen = [d for d in defects if d["rule_id"] == rule_id]
            if not chosen:
                raise ValueError(f"history: rule {rule_id} has no planted defects")
            for defect in chosen[counts[month] :]:
                dataset = dataset_of(defect)
                if per_row[(dataset, defect["line"])] != 1:
                    raise ValueError(f"history: {defect} shares its row with another defect")
                index = defect["line"] - 2
                cells = {
                    name: cell(clean[dataset][index][name])
                    for name in columns[dataset]
                    if cell(clean[dataset][index][name]) != cell(planted[dataset][index][name])
                }
                if not cells:
                    raise ValueError(f"history: {defect} cannot be withheld (clean row fails)")
                withheld.append(
                    {"suite": defect["suite"], "rule_id": rule_id, "key": defect["key"]}
                )
                restore.append(
                    {
                        "dataset": dataset,
                        "line": defect["line"],
                        "key": defect["key"],
                        "cells": cells,
                    }
                )
        entries.append(
            {
                "month": month + 1,
                "months_before_latest": MONTHS - 1 - month,
                "label": LABELS[month],
                "withheld": withheld,
                "restore": restore,
            }
        )
    return entries
