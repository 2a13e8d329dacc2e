"""Sample-data support for the custody rules: PACE 1984 and Terrorism Act 2000 detentions.

Loaded by ``generate.py`` (standard library only, deterministic). It adds the custody
columns the PACE rules need (voluntary attendance, whether the offence is indictable),
keeps the clean data clear of the repeated autumn clock-change hour, plants the PACE
defects (and the lawful counter-examples the rules must not fail), and logs the Terrorism
Act Schedule 8 review failures from the final data, measured as the derivation measures
them (an independent re-implementation, so the demo test checks one against the other).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "sample_data_police_rules_for_custody", pathlib.Path(__file__).with_name("police_rules.py")
)
police = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(police)

SUITE = "custody_pace"
POSTPONEMENT_REASON = "Detainee in interview; interruption would prejudice the investigation"
COURT_REASON = "Magistrates' court not sitting at the 36-hour point; heard at its next sitting"
CUSTODY_TIMES = (
    "arrest_datetime",
    "arrival_datetime",
    "detention_authorised_datetime",
    "charge_datetime",
    "release_datetime",
)
PACE_REVIEWS = ("PACE_FIRST", "PACE_SUBSEQUENT")
TACT_FIRST_REVIEW_H = 4  # the template's local threshold (Sch. 8 para 21(2) sets none)
TACT_INTERVAL_H = 12  # Sch. 8 para 21(3)


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def relevant_time(row: dict) -> dt.datetime:
    """PACE s.41(2): arrest for a voluntary attender, else arrival (always within 24 h here)."""
    return row["arrest_datetime"] if row["voluntary_attendance"] == "Y" else row["arrival_datetime"]


def hours_before_charge(row: dict) -> float:
    return police.real_hours(relevant_time(row), row["charge_datetime"] or row["release_datetime"])


def add_custody_columns(records: list[dict], rng) -> None:
    """Voluntary attendance (6% of PACE detentions) and whether the offence is indictable.

    A voluntary attender arrives first and is arrested at the station (arrival and
    arrest swap). Detentions long enough to need a superintendent's extension are for an
    indictable offence (PACE s.42(1)(b)); the rest are a mix. Two draws per record from
    this stream, so nothing else moves.
    """
    for row in records:
        voluntary = rng.random() < 0.06 and row["terrorism_act"] == "N"
        mix = rng.random() < 0.65
        if voluntary:
            row["arrest_datetime"], row["arrival_datetime"] = (
                row["arrival_datetime"],
                row["arrest_datetime"],
            )
        row["voluntary_attendance"] = "Y" if voluntary else "N"
        row["offence_indictable"] = "Y" if mix or hours_before_charge(row) > 24 else "N"


def _times(row: dict, reviews: list[dict]) -> list[dt.datetime]:
    values = [row[c] for c in CUSTODY_TIMES if isinstance(row[c], dt.datetime)]
    return values + [r["review_datetime"] for r in reviews]


def move_off_clock_change(records: list[dict], reviews: list[dict]) -> None:
    """Move any detention touching the repeated autumn hour a week later, with its reviews.

    The clean data then has no ambiguous time; the one planted on purpose (PACE-013) is
    the only detention the clock-change rule lists. A week later no real-hour gap grows
    (away from the change, real hours equal wall-clock hours).
    """
    by_ref: dict[str, list[dict]] = {}
    for review in reviews:
        by_ref.setdefault(review["custody_ref"], []).append(review)
    for row in records:
        mine = by_ref.get(row["custody_ref"], [])
        while any(police.is_ambiguous(t) for t in _times(row, mine)):
            for column in CUSTODY_TIMES:
                if row[column] is not None:
                    row[column] += dt.timedelta(days=7)
            for review in mine:
                review["review_datetime"] += dt.timedelta(days=7)


# --- planted PACE defects -------------------------------------------------------------------


def inject_pace(custody, reviews) -> None:
    """Plant PACE defects in the reviews (and a few custody fields), logged on the record."""
    rows, rng = custody.rows, custody.rng
    by_detention: dict[str, list[int]] = {}
    for index, review in enumerate(reviews.rows):
        by_detention.setdefault(review["custody_ref"], []).append(index)

    def log(index: int, rule_id: str, column: str, kind: str) -> None:
        custody.record(index, rule_id, column, kind, suite=SUITE)

    def events(row: dict, types: tuple[str, ...]) -> list[int]:
        mine = by_detention.get(row["custody_ref"], [])
        chosen = (i for i in mine if reviews.rows[i]["review_type"] in types)
        return sorted(chosen, key=lambda i: reviews.rows[i]["review_datetime"])

    def clean(row: dict) -> bool:
        mine = by_detention.get(row["custody_ref"], [])
        return row["terrorism_act"] == "N" and not any(i in reviews.used for i in mine)

    def pace_reviews(row: dict) -> list[int]:
        return events(row, PACE_REVIEWS)

    def take(where) -> int:
        index = custody.pick(lambda r: clean(r) and where(r))
        reviews.used.update(by_detention.get(rows[index]["custody_ref"], []))
        return index

    def set_review(i: int, when: dt.datetime, postponed: bool, reason: str = POSTPONEMENT_REASON):
        review = reviews.rows[i]
        review["review_datetime"] = when
        review["postponed"] = "Y" if postponed else "N"
        review["postponement_reason"] = reason if postponed else None

    def authorised(index: int, minutes_after: int) -> dt.datetime:
        return rows[index]["detention_authorised_datetime"] + minutes(minutes_after)

    for postponed, rule_id, count in ((False, "PACE-001", 4), (True, "PACE-002", 2)):
        for _ in range(count):
            index = take(lambda r: len(pace_reviews(r)) >= 2)
            first = pace_reviews(rows[index])[0]
            set_review(first, authorised(index, rng.randint(450, 480)), postponed)
            kind = "first review 7.5-8 h after detention authorised"
            suffix = " (postponed with a reason)" if postponed else ""
            log(index, rule_id, "first_review_h", kind + suffix)
    for postponed, rule_id, count in ((False, "PACE-003", 4), (True, "PACE-004", 2)):
        for _ in range(count):
            index = take(lambda r: len(pace_reviews(r)) >= 3)
            middle = pace_reviews(rows[index])[1]
            when = reviews.rows[middle]["review_datetime"] + minutes(rng.randint(210, 240))
            set_review(middle, when, postponed)
            kind = "review over 9 h after the previous one"
            column = "max_postponed_gap_h" if postponed else "max_review_gap_h"
            log(index, rule_id, column, kind + (" (postponed with a reason)" if postponed else ""))
    # s.40(6): a postponed first review counts at its latest lawful time (6 h) when the
    # second is timed, so a second review 8.5 h after the postponed one is 9.5 h late.
    index = take(lambda r: len(pace_reviews(r)) >= 3)
    first, second = pace_reviews(rows[index])[:2]
    set_review(first, authorised(index, 420), True)
    set_review(second, authorised(index, 930 + rng.randint(0, 20)), False)
    log(index, "PACE-002", "first_review_h", "first review postponed to 7 h")
    log(
        index,
        "PACE-003",
        "max_review_gap_h",
        "second review 9.5 h after the postponed first review was due (s.40(6))",
    )
    extended = lambda r: events(r, ("SUPT_EXTENSION",))  # noqa: E731
    for _ in range(2):
        index = take(lambda r: 24.5 < hours_before_charge(r) < 36 and extended(r))
        reviews.rows[extended(rows[index])[0]]["review_type"] = "PACE_SUBSEQUENT"
        log(
            index,
            "PACE-005",
            "extension_by_h",
            "detained over 24 h with no superintendent's extension",
        )
    index = take(lambda r: 27.5 < hours_before_charge(r) < 36 and extended(r))
    late = relevant_time(rows[index]) + minutes(rng.randint(1530, 1560))
    reviews.rows[extended(rows[index])[0]]["review_datetime"] = late
    log(index, "PACE-005", "extension_by_h", "extension recorded after the 24 h point")
    # s.42(4)(b): no extension before the second review; s.42(1)(b): indictable only.
    index = take(lambda r: 24.5 < hours_before_charge(r) < 36 and extended(r))
    first_review = reviews.rows[pace_reviews(rows[index])[0]]["review_datetime"]
    reviews.rows[extended(rows[index])[0]]["review_datetime"] = first_review + minutes(30)
    log(
        index,
        "PACE-010",
        "extension_before_second_review",
        "extension given before the second review",
    )
    index = take(lambda r: 24.5 < hours_before_charge(r) < 36 and extended(r))
    rows[index]["offence_indictable"] = "N"
    log(index, "PACE-011", "extension_offence_indictable", "extension for a summary offence")
    _inject_warrants(rows, reviews, rng, take, events, log)
    index = take(_clock_change_candidate)
    _move_to_clock_change(
        rows[index], [reviews.rows[i] for i in by_detention[rows[index]["custody_ref"]]]
    )
    log(index, "PACE-013", "arrival_datetime", "arrival in the repeated clock-change hour")


def _inject_warrants(rows, reviews, rng, take, events, log) -> None:
    warrants = lambda r: events(r, ("WARRANT_FURTHER_DETENTION",))  # noqa: E731
    index = take(lambda r: hours_before_charge(r) > 36.5 and warrants(r))
    reviews.rows[warrants(rows[index])[0]]["review_type"] = "SUPT_EXTENSION"
    log(
        index, "PACE-006", "warrant_by_h", "detained over 36 h with no warrant of further detention"
    )
    # s.43(5)(b): heard within 6 h after the 36 h where the court could not sit. One at
    # 38-41 h is lawful (not logged: the rules must pass it); one at 42.5 h is too late.
    for low, high, logged in ((2280, 2460, False), (2550, 2570, True)):
        index = take(lambda r, h=high: hours_before_charge(r) > h / 60 + 0.5 and warrants(r))
        warrant = reviews.rows[warrants(rows[index])[0]]
        warrant["review_datetime"] = relevant_time(rows[index]) + minutes(rng.randint(low, high))
        warrant["postponed"], warrant["postponement_reason"] = "Y", COURT_REASON
        if logged:
            kind = "warrant heard over 6 h after the 36 h point (court not sitting)"
            log(index, "PACE-012", "warrant_by_h", kind)
    # Held past 96 h: released late, with reviews kept up so only the 96 h limit fails.
    index = take(
        lambda r: (
            r["charge_datetime"] is None
            and hours_before_charge(r) > 37
            and warrants(r)
            and r["arrest_datetime"].month <= 10
        )
    )
    row = rows[index]
    row["release_datetime"] = relevant_time(row) + minutes(rng.randint(5880, 6000))
    when = reviews.rows[events(row, PACE_REVIEWS)[-1]]["review_datetime"]
    while when + minutes(480) < row["release_datetime"]:
        when += minutes(480)
        reviews.rows.append(_review(reviews, row["custody_ref"], when, "PACE_SUBSEQUENT"))
        reviews.used.add(len(reviews.rows) - 1)
    log(index, "PACE-007", "hours_before_charge", "detained for over 96 h without charge")


def _clock_change_candidate(row: dict) -> bool:
    """A short adult PACE detention whose arrival alone can be moved into 01:00-01:59."""
    return (
        row["voluntary_attendance"] == "N"
        and hours_before_charge(row) < 20
        and row["arrival_datetime"] - row["arrest_datetime"] >= minutes(45)
        and row["detention_authorised_datetime"] - row["arrival_datetime"] >= minutes(25)
        and row["age_at_arrival"] >= 19
    )


def _move_to_clock_change(row: dict, reviews: list[dict]) -> None:
    """Move a detention (and its reviews) so its arrival is 01:40 on 27 October 2024."""
    shift = dt.datetime(2024, 10, 27, 1, 40) - row["arrival_datetime"]
    for column in CUSTODY_TIMES:
        if row[column] is not None:
            row[column] += shift
    for review in reviews:
        review["review_datetime"] += shift


def check_clock_change(records: list[dict], reviews: list[dict], planted: int) -> None:
    """Only the planted detention may have a time in the repeated hour (the logs assume it)."""
    found = {
        row["custody_ref"]
        for row in records
        if any(
            police.is_ambiguous(row[c]) for c in CUSTODY_TIMES if isinstance(row[c], dt.datetime)
        )
    }
    found |= {
        r["custody_ref"]
        for r in reviews
        if isinstance(r["review_datetime"], dt.datetime)
        and police.is_ambiguous(r["review_datetime"])
    }
    if len(found) != planted:
        raise RuntimeError(f"unplanned times in the repeated clock-change hour: {sorted(found)}")


def _review(reviews, custody_ref: str, when: dt.datetime, review_type: str) -> dict:
    return {
        "review_ref": f"WM/R/{len(reviews.rows) + 1:07d}",
        "custody_ref": custody_ref,
        "review_datetime": when,
        "review_type": review_type,
        "reviewing_officer_rank": "INSP" if review_type != "WARRANT_FURTHER_DETENTION" else "SUPT",
        "postponed": "N",
        "postponement_reason": None,
    }


# --- Terrorism Act detentions ---------------------------------------------------------------


def inject_tact(custody, reviews) -> None:
    """Plant Schedule 8 review defects on Terrorism Act detentions (logged by ``log_tact``)."""
    rows, rng = custody.rows, custody.rng
    tact = [i for i, r in enumerate(rows) if r["terrorism_act"] == "Y"]
    by_ref: dict[str, list[int]] = {}
    for i, review in enumerate(reviews.rows):
        by_ref.setdefault(review["custody_ref"], []).append(i)

    def of(index: int, review_type: str) -> list[int]:
        mine = by_ref.get(rows[index]["custody_ref"], [])
        found = [i for i in mine if reviews.rows[i]["review_type"] == review_type]
        return sorted(found, key=lambda i: reviews.rows[i]["review_datetime"])

    untouched = [
        i
        for i in tact
        if not any(j in reviews.used for j in by_ref.get(rows[i]["custody_ref"], []))
        and len(of(i, "TACT_REVIEW")) >= 4
    ]
    with_warrant = [i for i in untouched if of(i, "WARRANT_FURTHER_DETENTION")]
    chosen_warrant = with_warrant[rng.randrange(len(with_warrant))]
    others = [i for i in untouched if i != chosen_warrant]
    late, postponed, first = (others.pop(rng.randrange(len(others))) for _ in range(3))
    # A review 3 h late (para 21(3)); one postponed with a reason, deemed at its latest
    # time (para 22(3)); a first review 6 h after arrest (para 21(2): listed to check).
    review = reviews.rows[of(late, "TACT_REVIEW")[1]]
    review["review_datetime"] += minutes(180)
    previous, review = (reviews.rows[i] for i in of(postponed, "TACT_REVIEW")[1:3])
    review["review_datetime"] = previous["review_datetime"] + minutes(780)
    review["postponed"], review["postponement_reason"] = "Y", POSTPONEMENT_REASON
    reviews.rows[of(first, "TACT_REVIEW")[0]]["review_datetime"] = rows[first][
        "arrest_datetime"
    ] + minutes(360)
    # A review after the warrant of further detention (para 21(4)).
    warrant = reviews.rows[of(chosen_warrant, "WARRANT_FURTHER_DETENTION")[0]]
    after = _review(
        reviews, rows[chosen_warrant]["custody_ref"], warrant["review_datetime"], "TACT_REVIEW"
    )
    after["review_datetime"] += minutes(120)
    after["reviewing_officer_rank"] = "SUPT"
    reviews.rows.append(after)
    for index in (late, postponed, first, chosen_warrant):
        reviews.used.update(by_ref.get(rows[index]["custody_ref"], []))
    reviews.used.add(len(reviews.rows) - 1)


def log_tact(custody, reviews) -> None:
    """Log every Schedule 8 review failure of the final data, as the derivation finds it."""
    by_ref: dict[str, list[dict]] = {}
    for review in reviews.rows:
        if isinstance(review["custody_ref"], str):
            by_ref.setdefault(review["custody_ref"], []).append(review)
    for index, row in enumerate(custody.rows):
        if row["terrorism_act"] != "Y":
            continue
        measures = tact_measures(row, by_ref.get(row["custody_ref"], []))
        for rule_id, column, value, limit, what in (
            ("TACT-001", "tact_first_review_h", measures["first"], TACT_FIRST_REVIEW_H, "first review"),
            ("TACT-002", "tact_max_review_gap_h", measures["gap"], TACT_INTERVAL_H, "review gap"),
            ("TACT-003", "tact_max_postponed_gap_h", measures["postponed"], TACT_INTERVAL_H, "postponed review gap"),
            ("TACT-004", "tact_reviews_after_warrant", measures["after_warrant"], 0, "reviews after the warrant"),
        ):  # fmt: skip
            if value is not None and round(value, 3) > limit:
                shown = f"{int(value)}" if rule_id == "TACT-004" else f"{value:.1f} h"
                kind = f"{what}: {shown}"
                custody.record(index, rule_id, column, kind, suite=SUITE)


def _when(value) -> dt.datetime | None:
    """The UTC instant the derivation reads (text the extract cannot parse is None)."""
    if not isinstance(value, dt.datetime):
        return None
    if police.is_ambiguous(value):
        raise RuntimeError(f"unplanned time in the repeated clock-change hour: {value}")
    return police.instant(value)


def _hours(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def tact_measures(row: dict, reviews: list[dict]) -> dict:
    """Schedule 8 Part II measures of one detention (see the derivation's docstring)."""
    arrest, release = _when(row["arrest_datetime"]), _when(row["release_datetime"])
    warrants = [
        w for r in reviews if r["review_type"] == "WARRANT_FURTHER_DETENTION" and (w := _when(r["review_datetime"]))
    ]  # fmt: skip
    warrant = min(warrants) if warrants else None
    if warrant is not None and release is not None and warrant > release:
        warrant = None
    end = release if warrant is None else (warrant if release is None else min(warrant, release))
    timed = []
    for review in reviews:
        when = _when(review["review_datetime"])
        if review["review_type"] == "TACT_REVIEW" and when is not None:
            reason = (review["postponement_reason"] or "").strip()
            timed.append((when, review["postponed"] == "Y" and reason != ""))
    timed.sort(key=lambda item: item[0])
    after = sum(
        1
        for when, _ in timed
        if warrant is not None
        and when > warrant
        and (arrest is None or when >= arrest)
        and (release is None or when <= release)
    )
    inside = [
        (w, e) for w, e in timed if (arrest is None or w >= arrest) and (end is None or w <= end)
    ]
    result = {"first": None, "gap": None, "postponed": None, "after_warrant": float(after)}
    if not inside:
        if arrest is not None and end is not None and _hours(end, arrest) > 0:
            result["first"] = _hours(end, arrest)
        return result
    result["first"] = None if arrest is None else _hours(inside[0][0], arrest)
    gaps, postponed_gaps, counted = [], [], inside[0][0]
    for when, excused in inside[1:]:
        gap = _hours(when, counted)
        due = counted + dt.timedelta(hours=TACT_INTERVAL_H)
        (postponed_gaps if excused else gaps).append(gap)
        counted = due if excused and when > due else when
    if end is not None:
        gaps.append(_hours(end, counted))
    result["gap"] = max(gaps) if gaps else None
    result["postponed"] = max(postponed_gaps) if postponed_gaps else None
    return result


# --- custody record flags -------------------------------------------------------------------


def inject_custody_flags(inj) -> None:
    """Voluntary-attendance and indictable-offence flags that are not Y or N.

    Planted on PACE detentions too short to need an extension, so only the flag rules
    (CUS-015, CUS-016) fail.
    """
    short = lambda r: r["terrorism_act"] == "N" and hours_before_charge(r) < 20  # noqa: E731
    inj.set_values(
        "CUS-015",
        "voluntary_attendance",
        [("flag as a word", lambda r: "No"), ("numeric flag", lambda r: "0")],
        where=lambda r: short(r) and r["voluntary_attendance"] == "N",
    )
    inj.set_values(
        "CUS-016",
        "offence_indictable",
        [("offence class as text", lambda r: "Either way"), ("numeric flag", lambda r: "1")],
        where=short,
    )
