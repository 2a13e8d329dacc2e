"""Terrorism Act 2000 detentions: Schedule 8 Part II reviews, no longer dropped.

Provisions (legislation.gov.uk, ukpga/2000/11/schedule/8, Part II; restated in PACE
Code H section 14): para 21(2) first review "as soon as is reasonably practicable after
the time of the person's arrest"; para 21(3) later reviews "at intervals of not more
than 12 hours"; para 21(4) no review after a warrant of further detention is issued;
para 22(3) a postponed review is "deemed to have been carried out at the latest time at
which it could have been carried out".
"""

from __future__ import annotations

import pandas as pd

from tests.custody_helpers import custody, measures, pace_findings, record, review, reviews

DAY1, DAY2, DAY3 = "2024-05-01", "2024-05-02", "2024-05-03"
IN_INTERVIEW = "Detainee in interview; interruption would prejudice the investigation"


def _tact(ref: str, release: str) -> dict:
    return record(
        ref, f"{DAY1} 08:00:00", f"{DAY1} 08:20:00", f"{DAY1} 08:30:00", release, tact="Y"
    )


def _reviews(ref: str, *times: str) -> list[dict]:
    return [review(ref, when, "TACT_REVIEW") for when in times]


def test_schedule_8_reviews_are_measured() -> None:
    records = custody(
        [
            _tact("T_OK", f"{DAY2} 20:00:00"),
            _tact("T_GAP", f"{DAY2} 08:00:00"),
            _tact("T_POSTPONED", f"{DAY2} 12:00:00"),
            _tact("T_WARRANT", f"{DAY3} 20:00:00"),
            _tact("T_AFTER", f"{DAY3} 20:00:00"),
            _tact("T_FIRST", f"{DAY1} 20:00:00"),
            _tact("T_NONE", f"{DAY1} 11:00:00"),
        ]
    )
    warrant = f"{DAY2} 17:00:00"
    events = reviews(
        _reviews("T_OK", f"{DAY1} 09:00:00", f"{DAY1} 20:00:00", f"{DAY2} 07:30:00", f"{DAY2} 19:00:00")
        # para 21(3): 13 hours between reviews
        + _reviews("T_GAP", f"{DAY1} 09:00:00", f"{DAY1} 22:00:00", f"{DAY2} 07:00:00")
        # para 22(3): postponed from 21:00 to 22:00; the next is due at 09:00, not 10:00
        + _reviews("T_POSTPONED", f"{DAY1} 09:00:00")
        + [review("T_POSTPONED", f"{DAY1} 22:00:00", "TACT_REVIEW", IN_INTERVIEW)]
        + _reviews("T_POSTPONED", f"{DAY2} 09:30:00")
        # para 21(4): no reviews after the warrant, and none are due (51 h to release)
        + _reviews("T_WARRANT", f"{DAY1} 09:00:00", f"{DAY1} 20:00:00", f"{DAY2} 07:00:00")
        + [review("T_WARRANT", warrant, "WARRANT_FURTHER_DETENTION")]
        + _reviews("T_AFTER", f"{DAY1} 09:00:00", f"{DAY1} 20:00:00", f"{DAY2} 07:00:00")
        + [review("T_AFTER", warrant, "WARRANT_FURTHER_DETENTION")]
        + _reviews("T_AFTER", f"{DAY2} 19:00:00")
        # para 21(2): first review 6 h after arrest (no fixed limit: listed to check)
        + _reviews("T_FIRST", f"{DAY1} 14:00:00")
    )  # fmt: skip
    derived = measures(records, events)
    assert derived["tact_first_review_h"].tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 6.0, 3.0]
    assert derived["tact_max_review_gap_h"].tolist()[:6] == [11.5, 13.0, 12.5, 11.0, 11.0, 6.0]
    assert pd.isna(derived["tact_max_review_gap_h"]["T_NONE"])
    assert derived["tact_max_postponed_gap_h"]["T_POSTPONED"] == 13.0
    assert derived["tact_reviews_after_warrant"].tolist() == [0, 0, 0, 0, 1, 0, 0]
    # PACE measures do not apply to a Terrorism Act detention
    assert derived[["first_review_h", "hours_before_charge", "extension_by_h"]].isna().all().all()
    assert pace_findings(records, events) == {
        "TACT-001": {"T_FIRST"},
        "TACT-002": {"T_GAP", "T_POSTPONED"},
        "TACT-003": {"T_POSTPONED"},
        "TACT-004": {"T_AFTER"},
    }


def test_pace_detentions_get_no_schedule_8_measures() -> None:
    records = custody(
        [record("P", f"{DAY1} 08:00:00", f"{DAY1} 08:20:00", f"{DAY1} 08:30:00", f"{DAY1} 20:00:00")]
    )  # fmt: skip
    events = reviews([review("P", f"{DAY1} 13:00:00", "PACE_FIRST")])
    derived = measures(records, events)
    tact = [c for c in derived.columns if c.startswith("tact_")]
    assert derived[tact].isna().all().all()
    assert derived["first_review_h"]["P"] == 4.5


def test_reviews_outside_the_detention_do_not_count() -> None:
    """A review keyed before the arrest (a placeholder date) cannot be a review of this
    detention: the missed review shows as a gap instead of passing unseen."""
    records = custody([_tact("T", f"{DAY2} 08:00:00")])
    events = reviews(_reviews("T", "1900-01-01 00:00:00", f"{DAY1} 09:00:00"))
    derived = measures(records, events)
    assert derived["tact_first_review_h"]["T"] == 1.0
    assert derived["tact_max_review_gap_h"]["T"] == 23.0
