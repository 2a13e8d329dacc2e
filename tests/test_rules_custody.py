"""PACE 1984 and Terrorism Act 2000 detention measures (the pace_detentions derivation).

Each counter-example cites the provision it tests: the Police and Criminal Evidence Act
1984 and the Terrorism Act 2000 as revised on legislation.gov.uk (ukpga/1984/60,
ukpga/2000/11), which PACE Code C section 15 and Code H section 14 restate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dqaudit.connectors.base import Fingerprint, FrameExtract
from dqaudit.engine import derivation
from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules.custody import PaceOptions
from dqaudit.expectations.suite import suite_from_dict
from tests.custody_helpers import (
    custody,
    eight_hourly,
    listed,
    measures,
    pace_findings,
    record,
    review,
    reviews,
    template,
)

DAY1, DAY2, DAY3 = "2024-05-01", "2024-05-02", "2024-05-03"
IN_INTERVIEW = "Detainee in interview; interruption would prejudice the investigation"


def test_first_review_gaps_and_postponement() -> None:
    records = custody(
        [
            record("C1", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY2} 03:00:00"),
            record("C2", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY1} 17:00:00"),
            record("C3", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY1} 14:00:00"),
        ]
    )  # fmt: skip
    events = reviews(
        [
            review("C1", f"{DAY1} 14:30:00", "PACE_FIRST"),  # 5.5 h: in time
            review("C1", f"{DAY2} 00:30:00", reason="in interview"),  # 10 h, postponed
            review("C2", f"{DAY1} 16:00:00", "PACE_FIRST"),  # 7 h: late
            review("C9", f"{DAY1} 10:00:00", "PACE_FIRST"),  # no such detention
        ]
    )
    derived = measures(records, events)
    assert derived["first_review_h"]["C1"] == 5.5
    assert derived["first_review_h"]["C2"] == 7.0
    assert pd.isna(derived["first_review_h"]["C3"])  # released after 5 h: not yet due
    assert derived["first_review_postponed"][["C1", "C2"]].tolist() == ["N", "N"]
    # C1: the postponed 10 h gap is measured apart; it counts as carried out at 23:30 (when
    # it was due), so release at 03:00 is 3.5 h after it (PACE s.40(6)).
    assert derived["max_postponed_gap_h"]["C1"] == 10.0
    assert derived["max_review_gap_h"]["C1"] == 3.5
    assert derived["max_review_gap_h"]["C2"] == 1.0


def test_no_review_at_all_before_release_counts_as_held_unreviewed() -> None:
    records = custody(
        [record("C1", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY1} 19:00:00")]
    )  # fmt: skip
    assert measures(records, reviews())["first_review_h"]["C1"] == 10.0


def test_a_postponed_review_counts_at_its_latest_lawful_time() -> None:
    """PACE 1984 s.40(3)-(6): a postponed review is carried out as soon as practicable after
    its latest time (s.40(5)), and "shall not affect any requirement ... as to the time at
    which any subsequent review is to be carried out" (s.40(6)): the next review is due 9 h
    after the postponed one was *due*, not after it happened."""
    records = custody(
        [
            record(ref, f"{DAY1} 08:30:00", f"{DAY1} 08:45:00", f"{DAY1} 09:00:00", f"{DAY2} {end}")
            for ref, end in (("LATE", "06:00:00"), ("ONTIME", "06:00:00"), ("CHAIN", "10:00:00"))
        ]
    )  # fmt: skip
    events = reviews(
        [
            # first due 15:00, postponed to 17:00; second 8 h later is 10 h after 15:00
            review("LATE", f"{DAY1} 17:00:00", "PACE_FIRST", IN_INTERVIEW),
            review("LATE", f"{DAY2} 01:00:00"),
            # the lawful version: second review 8.5 h after the postponed first was due
            review("ONTIME", f"{DAY1} 17:00:00", "PACE_FIRST", IN_INTERVIEW),
            review("ONTIME", f"{DAY1} 23:30:00"),
            # a later postponement: due 23:00, done 01:00; the third is 10.5 h after 23:00
            review("CHAIN", f"{DAY1} 14:00:00", "PACE_FIRST"),
            review("CHAIN", f"{DAY2} 01:00:00", reason=IN_INTERVIEW),
            review("CHAIN", f"{DAY2} 09:30:00"),
        ]
    )
    derived = measures(records, events)
    assert derived.loc["LATE", ["first_review_h", "max_review_gap_h"]].tolist() == [8.0, 10.0]
    assert derived["max_review_gap_h"]["ONTIME"] == 8.5
    assert derived.loc["CHAIN", ["max_postponed_gap_h", "max_review_gap_h"]].tolist() == [
        11.0,
        10.5,
    ]
    found = pace_findings(records, events, ["PACE-001", "PACE-002", "PACE-003", "PACE-004"])
    assert found == {
        "PACE-002": {"LATE", "ONTIME"},  # postponed first reviews: listed to check
        "PACE-003": {"LATE", "CHAIN"},  # 8 h and 8.5 h after the actual reviews: still late
        "PACE-004": {"CHAIN"},
    }


def test_voluntary_attendance_runs_the_clock_from_arrest() -> None:
    """PACE 1984 s.41(2)(c): for a person who attends a police station voluntarily (or
    accompanies a constable there) and is arrested at the station, the relevant time is
    the time of that arrest (PNLD, "Relevant time for arrest at non-designated police
    station", 2019). An arrival before the arrest is then the normal order."""
    times = (f"{DAY1} 14:00:00", f"{DAY1} 09:00:00", f"{DAY1} 14:10:00", f"{DAY2} 13:30:00")
    records = custody(
        [
            record("VOL", *times, voluntary="Y"),
            record("NOTVOL", *times),
            record("VOLBAD", f"{DAY1} 14:00:00", f"{DAY1} 15:00:00", f"{DAY1} 15:10:00",
                   f"{DAY2} 10:00:00", voluntary="Y"),
        ]
    )  # fmt: skip
    events = reviews(
        [e for ref in ("VOL", "NOTVOL") for e in eight_hourly(ref, f"{DAY1} 19:00:00", 3)]
        + eight_hourly("VOLBAD", f"{DAY1} 19:00:00", 2)
    )
    derived = measures(records, events)
    assert derived["relevant_time"]["VOL"] == f"{DAY1} 14:00:00"
    assert derived["hours_before_charge"]["VOL"] == 23.5  # no extension needed
    assert derived["relevant_time"]["NOTVOL"] == f"{DAY1} 09:00:00"
    assert derived["extension_by_h"]["NOTVOL"] == 28.5  # held past 24 h without one
    assert pace_findings(records, events, ["PACE-005"]) == {"PACE-005": {"NOTVOL"}}
    rules = ["CUS-003", "CUS-014", "CUS-015", "CUS-016"]
    suite = template("custody_records", rules)
    found = listed(run_suite(records, suite, key="custody_ref"))
    assert found == {"CUS-003": {"NOTVOL"}, "CUS-014": {"VOLBAD"}}


def _held_48_hours(ref: str, **flags: str) -> dict:
    return record(
        ref, f"{DAY1} 07:30:00", f"{DAY1} 08:00:00", f"{DAY1} 08:10:00", f"{DAY3} 08:00:00",
        **flags,
    )  # fmt: skip


def test_warrant_heard_within_six_hours_after_36_when_the_court_could_not_sit() -> None:
    """PACE 1984 s.43(5): an application for a warrant of further detention may be made
    before 36 hours after the relevant time or, where the court could not sit at the end
    of that period but sits in the 6 hours that follow, within those 6 hours (s.43(5)(b));
    the custody record notes why (s.43(6)). Here the warrant event is marked postponed
    with that reason."""
    court = "Magistrates' court not sitting at the 36-hour point"
    refs = ("LAWFUL", "NOREASON", "TOOLATE", "INTIME")
    records = custody([_held_48_hours(ref) for ref in refs])
    events = []
    for ref, at, reason in (
        ("LAWFUL", f"{DAY2} 22:00:00", court),  # 38 h, court could not sit: lawful
        ("NOREASON", f"{DAY2} 22:00:00", None),  # 38 h with no reason recorded
        ("TOOLATE", f"{DAY3} 03:00:00", court),  # 43 h: past the 6 hours
        ("INTIME", f"{DAY2} 18:00:00", None),  # 34 h
    ):
        events += eight_hourly(ref, f"{DAY1} 13:00:00", 6)
        events.append(review(ref, f"{DAY2} 06:00:00", "SUPT_EXTENSION"))
        events.append(review(ref, at, "WARRANT_FURTHER_DETENTION", reason))
    derived = measures(records, reviews(events))
    assert derived["warrant_by_h"].tolist() == [38.0, 38.0, 43.0, 34.0]
    assert derived["warrant_court_unavailable"].tolist() == ["Y", "N", "Y", "N"]
    found = pace_findings(records, reviews(events), ["PACE-005", "PACE-006", "PACE-012"])
    assert found == {"PACE-006": {"NOREASON"}, "PACE-012": {"TOOLATE"}}


def test_superintendents_extension_before_the_second_review_or_for_a_summary_offence() -> None:
    """PACE 1984 s.42(1)(b): a superintendent may extend detention only where an offence
    for which the person is under arrest is indictable; s.42(4): no authorisation more
    than 24 hours after the relevant time (a) or before the second review (b)."""
    records = custody(
        [
            record(ref, f"{DAY1} 08:30:00", f"{DAY1} 08:45:00", f"{DAY1} 09:00:00",
                   f"{DAY2} 14:45:00", indictable=flag)
            for ref, flag in (("EARLY", "Y"), ("SUMMARY", "N"), ("GOOD", "Y"), ("UNSET", ""))
        ]
    )  # fmt: skip
    events = []
    for ref, at in (
        ("EARLY", f"{DAY1} 15:00:00"),  # after the first review (14:00), before the second
        ("SUMMARY", f"{DAY2} 06:30:00"),
        ("GOOD", f"{DAY2} 06:30:00"),
        ("UNSET", f"{DAY2} 06:30:00"),
    ):
        events += eight_hourly(ref, f"{DAY1} 14:00:00", 4)  # 14:00, 22:00, 06:00, 14:00
        events.append(review(ref, at, "SUPT_EXTENSION"))
    derived = measures(records, reviews(events))
    assert derived["extension_before_second_review"].tolist() == ["Y", "N", "N", "N"]
    assert derived["extension_offence_indictable"].tolist() == ["Y", "N", "Y", "N"]
    assert derived["extension_by_h"].tolist() == [6.25, 21.75, 21.75, 21.75]
    found = pace_findings(records, reviews(events), ["PACE-005", "PACE-010", "PACE-011"])
    assert found == {"PACE-010": {"EARLY"}, "PACE-011": {"SUMMARY", "UNSET"}}


def test_limits_run_from_the_relevant_time_until_charge() -> None:
    records = custody(
        [
            # arrival 30 h after arrest: the relevant time is arrest + 24 h
            record("C1", f"{DAY1} 08:00:00", f"{DAY2} 14:00:00", f"{DAY2} 14:10:00",
                   f"{DAY3} 12:00:00", f"{DAY3} 09:00:00"),
            record("C2", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY2} 10:30:00"),
            record("C3", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY2} 20:30:00"),
            record("C4", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", "2024-05-05 10:30:00"),
        ]
    )  # fmt: skip
    events = reviews(
        [
            review("C2", f"{DAY2} 08:00:00", "SUPT_EXTENSION"),  # 23.5 h: in time
            review("C3", f"{DAY2} 09:00:00", "SUPT_EXTENSION"),  # 24.5 h: too late
            review("C4", f"{DAY2} 08:00:00", "SUPT_EXTENSION"),
            review("C4", f"{DAY2} 19:00:00", "WARRANT_FURTHER_DETENTION"),
        ]
    )
    derived = measures(records, events)
    assert derived["relevant_time"]["C1"] == f"{DAY2} 08:00:00"
    assert derived["hours_before_charge"].tolist() == [25.0, 26.0, 36.0, 98.0]
    assert derived["extension_by_h"].tolist() == [25.0, 23.5, 24.5, 23.5]  # C1: none given
    assert pd.isna(derived["warrant_by_h"]["C2"])  # not needed
    assert derived["warrant_by_h"]["C4"] == 34.5


def test_the_clock_change_does_not_move_the_24_hour_edge() -> None:
    """Wall-clock 24.5 h across the spring change is 23.5 real hours (no extension needed);
    across the autumn change 23.5 wall-clock hours are 24.5 real ones (it is)."""
    records = custody(
        [
            record("SPRING", "2024-03-30 19:30:00", "2024-03-30 20:00:00",
                   "2024-03-30 20:10:00", "2024-03-31 20:30:00"),
            record("AUTUMN", "2024-10-26 20:30:00", "2024-10-26 21:00:00",
                   "2024-10-26 21:10:00", "2024-10-27 20:30:00"),
        ]
    )  # fmt: skip
    derived = measures(records, reviews())
    assert derived["hours_before_charge"].tolist() == [23.5, 23.5 + 1.0]
    assert pd.isna(derived["extension_by_h"]["SPRING"])
    assert derived["extension_by_h"]["AUTUMN"] == 24.5
    assert derived["clock_change_ambiguous"].tolist() == ["N", "N"]


def test_a_relevant_time_in_the_repeated_hour_is_flagged_not_read_as_bst() -> None:
    """Arrival at 01:40 on 27 October 2024 happened twice in Europe/London (BST, then GMT;
    Summer Time Order 2002). Under ``ambiguous: flag`` the measures it changes are blank
    and the detention is listed by PACE-013; a measure it does not change is kept."""
    row = ("2024-10-27 00:30:00", "2024-10-27 01:40:00", "2024-10-27 02:10:00")
    records = custody([record("CC", *row, "2024-10-27 20:00:00")])
    events = reviews(eight_hourly("CC", "2024-10-27 06:00:00", 2))
    derived = measures(records, events)
    assert pd.isna(derived["hours_before_charge"]["CC"])
    assert derived["first_review_h"]["CC"] == 3.833  # from authorisation (02:10 GMT)
    assert derived["clock_change_ambiguous"]["CC"] == "Y"
    assert pace_findings(records, events) == {"PACE-013": {"CC"}}
    early = measures(records, events, PaceOptions(ambiguous="earliest"))
    late = measures(records, events, PaceOptions(ambiguous="latest"))
    assert (early["hours_before_charge"]["CC"], late["hours_before_charge"]["CC"]) == (
        19.333,
        18.333,
    )
    assert early["clock_change_ambiguous"]["CC"] == late["clock_change_ambiguous"]["CC"] == "N"


def test_age_at_arrival_from_date_of_birth() -> None:
    times = (f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY1} 10:00:00")
    records = custody(
        [
            record("A", *times, born="2006-05-02"),
            record("B", *times, born="2006-05-01", adult="N"),
            record("C", *times, born="not known"),
            record("D", *times, born="2031-01-01"),
        ]
    )
    derived = measures(records, reviews())
    assert derived["age_at_arrival_years"].tolist()[:2] == [17, 18]
    assert derived["under_18"].tolist()[:2] == ["Y", "N"]
    assert pd.isna(derived["under_18"]["C"]) and pd.isna(derived["under_18"]["D"])


# --- the derivation declared in a suite ----------------------------------------------------


def _suite(derivation_spec, **extra) -> object:
    return suite_from_dict(
        {
            "name": "p",
            "meta": {
                "dqaudit": {
                    "system": "custody",
                    "dataset": "custody_records",
                    "derivation": derivation_spec,
                    **extra,
                }
            },
            "expectations": [],
        },
        source="p.json",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "pace"}, "kind 'pace' is not one of"),
        ({"kind": "pace_detentions"}, "inputs.reviews is required"),
        (
            {"kind": "pace_detentions", "inputs": {"reviews": "r", "x": "y"}},
            "inputs.x is not an input",
        ),
        (
            {"kind": "pace_detentions", "inputs": {"reviews": "r"}, "options": {"key": 3}},
            "options.key must be a non-empty string",
        ),
        (
            {"kind": "pace_detentions", "inputs": {"reviews": "r"}, "options": {"nope": "x"}},
            "options.nope is not an option",
        ),
        (
            {
                "kind": "pace_detentions",
                "inputs": {"reviews": "r"},
                "options": {"ambiguous": "bst"},
            },
            "options.ambiguous must be one of: earliest, latest, flag",
        ),
        ({"kind": "duplicate_addresses", "extra": 1}, "unknown setting 'extra'"),
    ],
)
def test_bad_derivations_are_errors_naming_the_setting(spec, message: str) -> None:
    with pytest.raises(InputError, match=message):
        derivation.steps(_suite(spec))


def test_derivation_input_must_be_a_dataset_of_the_same_system() -> None:
    suite = _suite({"kind": "pace_detentions", "inputs": {"reviews": "nominals"}})
    with pytest.raises(
        InputError, match="names dataset 'nominals', which system 'custody' does not have"
    ):
        derivation.check_inputs(suite, {"custody_records": object(), "reviews": object()})


def test_derivation_is_part_of_the_suite_hash() -> None:
    a = _suite({"kind": "pace_detentions", "inputs": {"reviews": "reviews"}})
    b = _suite({"kind": "pace_detentions", "inputs": {"reviews": "reviews_archive"}})
    plain = suite_from_dict(
        {
            "name": "p",
            "meta": {"dqaudit": {"system": "custody", "dataset": "custody_records"}},
            "expectations": [],
        }
    )
    assert len({a.hash, b.hash, plain.hash}) == 3
    assert "derivation" not in plain.canonical()


def test_derived_extract_keeps_keys_rows_and_line_numbers() -> None:
    records = custody(
        [
            record("C1", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY1} 19:00:00"),
            record("C2", f"{DAY1} 08:00:00", f"{DAY1} 08:30:00", f"{DAY1} 09:00:00", f"{DAY1} 12:00:00"),
        ]
    )  # fmt: skip
    extract = FrameExtract(
        records,
        Fingerprint("c.csv", "abc", 2, list(records.columns)),
        line_numbers=pd.Series([2, 5]).to_numpy(),
    )
    review_frame = reviews()
    spec = {"kind": "pace_detentions", "inputs": {"reviews": "reviews"}}
    loaded = _suite(spec)
    derived = derivation.derive(
        loaded, extract, lambda name: FrameExtract(review_frame, Fingerprint("r.csv", "def", 0, []))
    )
    assert derived.extract.frame["custody_ref"].tolist() == ["C1", "C2"]
    assert derived.extract.line_numbers.tolist() == [2, 5]
    assert derived.references[0].sha256 == "def"
    suite = {
        "name": "p",
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "first_review_h", "max_value": 6},
            }
        ],
    }
    result = run_suite(derived.extract, suite, key="custody_ref")
    assert result.results[0].failing_keys == ["C1"]


def test_template_pace_suite_runs_on_the_sample_data(sample_data: Path) -> None:
    from tests.test_rules_templates import load_sample

    records, review_frame = (
        load_sample(sample_data, "custody/custody_records.csv"),
        load_sample(sample_data, "custody/reviews.csv"),
    )
    suite = json.loads((sample_data / "workspace" / "suites" / "custody_pace.json").read_text())
    loaded = suite_from_dict(suite)
    derived = derivation.derive(
        loaded,
        FrameExtract(records, Fingerprint("c", "-", len(records), list(records.columns))),
        lambda name: FrameExtract(review_frame, Fingerprint("r", "-", len(review_frame), [])),
    )
    frame = derived.extract.frame
    assert len(frame) == len(records)
    pace = (frame["terrorism_act"] == "N") & (frame["clock_change_ambiguous"] == "N")
    assert frame.loc[pace, "hours_before_charge"].notna().all()
    assert frame.loc[frame["terrorism_act"] == "Y", "hours_before_charge"].isna().all()
    assert frame.loc[frame["terrorism_act"] == "Y", "tact_first_review_h"].notna().all()
    assert (frame["clock_change_ambiguous"] == "Y").sum() == 1  # the one planted


def test_check_refuses_a_derived_suite_with_a_clear_error(sample_data: Path) -> None:
    from tests.conftest import invoke

    result = invoke(
        "check",
        str(sample_data / "custody" / "custody_records.csv"),
        "--suite",
        str(sample_data / "workspace" / "suites" / "custody_pace.json"),
    )
    assert result.exit_code == 2
    assert "derives its dataset from other datasets (pace_detentions)" in result.stderr
    assert "dqaudit audit run" in result.stderr
