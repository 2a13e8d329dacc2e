"""Sample data for the record audits: wanted/missing, DNA coverage and custody persons.

Loaded by ``generate.py`` (standard library only, deterministic, its own random streams).
It fabricates, from the clean PNC nominals and custody records:

- ``casework/cases``: the force's own missing-person and wanted cases, and
  ``pnc/wanted_missing``: the PNC reports that circulate them (entered, cancelled);
- ``pnc/convictions`` and ``pnc/dna_samples``: convictions (some for homicide or serious
  sexual offences) and DNA samples taken, for the Operation Nutmeg audit of nominals;
- ``custody/detainees``: the custody system's person record of each detention, with the
  person's PNC ID.

Integrity failures (a PNC ID, nominal or custody reference the other dataset no longer
holds, often because a defect was planted there) are logged from the final data.
The qualifying offence codes mirror the built-in code lists ``nutmeg_qualifying_offences``
and ``nutmeg_excluded_sole_offences`` (this script reads no YAML); the manifest check runs
the real rule, so a drift between the two is caught.
"""

from __future__ import annotations

import datetime as dt

DATASETS = {
    "casework/cases": {
        "system": "casework", "dataset": "cases", "suite": "casework_missing_persons",
        "path": "casework/cases.csv", "key": "case_ref",
    },
    "pnc/wanted_missing": {
        "system": "pnc", "dataset": "wanted_missing", "suite": "pnc_wanted_missing",
        "path": "pnc/wanted_missing.csv", "key": "wm_ref",
    },
    "pnc/convictions": {
        "system": "pnc", "dataset": "convictions", "suite": "pnc_convictions",
        "path": "pnc/convictions.csv", "key": "conviction_ref",
    },
    "pnc/dna_samples": {
        "system": "pnc", "dataset": "dna_samples", "suite": None,
        "path": "pnc/dna_samples.csv", "key": "sample_ref", "reference": True,
    },
    "custody/detainees": {
        "system": "custody", "dataset": "detainees", "suite": "custody_detainees",
        "path": "custody/detainees.csv", "key": "person_ref",
    },
}  # fmt: skip
COLUMNS = {
    "casework/cases": [
        "case_ref", "case_type", "risk_level", "reported_datetime", "closed_datetime",
        "closure_reason",
    ],
    "pnc/wanted_missing": [
        "wm_ref", "report_type", "local_ref", "pnc_id", "entered_datetime",
        "cancelled_datetime",
    ],
    "pnc/convictions": ["conviction_ref", "nominal_ref", "offence_code", "conviction_date"],
    "pnc/dna_samples": ["sample_ref", "nominal_ref", "taken_date"],
    "custody/detainees": ["person_ref", "custody_ref", "pnc_id"],
}  # fmt: skip
SUITES = [
    "pnc_wanted_missing", "pnc_convictions", "pnc_dna_coverage", "casework_missing_persons",
    "custody_detainees",
]  # fmt: skip
QUALIFYING = ["COML025", "COML026", "SX56001", "SX56014", "SX03001", "SX03005"]
EXCLUDED_SOLE = ["SX56012", "SX56013"]
MAX_HOURS_TO_PNC = 48


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(n * 3600))


# --- wanted and missing ------------------------------------------------------------------


def build_cases(gen, nominals: list[dict]) -> tuple[list[dict], list[dict]]:
    """(local cases, PNC reports): every report is entered and cancelled on time."""
    rng = gen.dataset_rng("casework")
    cases, reports = [], []
    for n in range(1, 401):
        missing = rng.random() < 0.75
        reported = gen.random_datetime(rng, dt.datetime(2024, 1, 1), dt.datetime(2024, 12, 20))
        open_case = rng.random() < (0.1 if missing else 0.3)
        lasted = rng.uniform(1, 240) if missing else rng.uniform(24, 1440)
        closed = None if open_case else reported + hours(lasted)
        case = {
            "case_ref": f"C{n:07d}",
            "case_type": "MISSING" if missing else "WANTED",
            "risk_level": gen.weighted(rng, [("HIGH", 15), ("MEDIUM", 50), ("LOW", 35)])
            if missing
            else None,
            "reported_datetime": reported,
            "closed_datetime": closed,
            "closure_reason": None if open_case else ("FOUND" if missing else "ARRESTED"),
        }
        cases.append(case)
        if missing and closed is not None and lasted <= MAX_HOURS_TO_PNC and rng.random() < 0.5:
            continue  # found within 48 h and never put on PNC: lawful (not due)
        delay = rng.uniform(0.25, min(40.0, 0.8 * lasted)) if missing else rng.uniform(1, 72)
        reports.append(
            {
                "wm_ref": f"WM{len(reports) + 1:07d}",
                "report_type": case["case_type"],
                "local_ref": case["case_ref"],
                "pnc_id": rng.choice(nominals)["pnc_id"],
                "entered_datetime": reported + hours(delay),
                "cancelled_datetime": None if closed is None else closed + hours(rng.uniform(0.1, 20)),
            }
        )  # fmt: skip
    return cases, reports


def inject_cases(gen, log, datasets: dict, Injector) -> None:
    cases, reports = datasets["casework/cases"], datasets["pnc/wanted_missing"]
    by_case = {r["local_ref"]: r for r in reports}
    rng = gen.dataset_rng("defects:casework")
    # Missing persons never circulated: their reports are removed before anything is logged.
    long_open = [
        c for c in cases
        if c["case_type"] == "MISSING" and c["case_ref"] in by_case
        and (c["closed_datetime"] is None
             or c["closed_datetime"] - c["reported_datetime"] > hours(MAX_HOURS_TO_PNC + 12))
    ]  # fmt: skip
    dropped = [long_open[i] for i in sorted(rng.sample(range(len(long_open)), 2))]
    reports[:] = [r for r in reports if r["local_ref"] not in {c["case_ref"] for c in dropped}]
    by_case = {r["local_ref"]: r for r in reports}
    inj = Injector(log, "casework/cases", cases, rng)
    for case in dropped:
        index = cases.index(case)
        inj.used.add(index)
        inj.record(index, "CAS-MIS-001", "reported_datetime", "missing person never put on PNC")
    slow = lambda c: (  # noqa: E731
        c["case_type"] == "MISSING" and c["case_ref"] in by_case
        and (c["closed_datetime"] is None
             or c["closed_datetime"] - c["reported_datetime"] > hours(110))
    )  # fmt: skip
    for n in range(3):
        index = inj.pick(slow)
        by_case[cases[index]["case_ref"]]["entered_datetime"] = cases[index]["reported_datetime"] + hours(60 + 15 * n)  # fmt: skip
        inj.record(index, "CAS-MIS-001", "reported_datetime", "put on PNC over 48 h after the report")  # fmt: skip
    index = inj.pick(slow)
    by_case[cases[index]["case_ref"]]["entered_datetime"] = cases[index]["reported_datetime"] - hours(3)  # fmt: skip
    inj.record(index, "CAS-MIS-001", "reported_datetime", "PNC entry 3 h before the report")
    index = inj.pick(lambda c: c["case_type"] == "MISSING")
    cases[index]["case_type"] = "MISPER"
    inj.record(index, "CAS-MIS-002", "case_type", "local abbreviation instead of the case type")
    _inject_reports(gen, log, reports, {c["case_ref"]: c for c in cases}, Injector)


def _inject_reports(gen, log, reports: list[dict], cases: dict, Injector) -> None:
    rng = gen.dataset_rng("defects:pnc/wanted_missing")
    inj = Injector(log, "pnc/wanted_missing", reports, rng)
    case = lambda r: cases[r["local_ref"]]  # noqa: E731
    closed = lambda r: case(r)["closed_datetime"] is not None  # noqa: E731
    for _ in range(4):
        index = inj.pick(closed)
        reports[index]["cancelled_datetime"] = None
        inj.record(index, "PNC-WM-002", "cancelled_datetime", "still live on PNC after the case closed")  # fmt: skip
    for n in range(2):
        index = inj.pick(closed)
        reports[index]["cancelled_datetime"] = case(reports[index])["closed_datetime"] + hours(50 + 20 * n)  # fmt: skip
        inj.record(index, "PNC-WM-002", "cancelled_datetime", "cancelled on PNC days after the case closed")  # fmt: skip
    for _ in range(2):
        index = inj.pick(lambda r: not closed(r))
        reports[index]["cancelled_datetime"] = reports[index]["entered_datetime"] + hours(30)
        inj.record(index, "PNC-WM-003", "cancelled_datetime", "cancelled on PNC while the case is open")  # fmt: skip
    for n in range(2):
        index = inj.pick()
        reports[index]["pnc_id"] = f"20{24 - n:02d}/99{n:05d}{'AB'[n]}"
        reports[index]["_kind"] = "PNC ID of no nominal"
    # last, as these reports then name no case; wanted cases, so no circulation changes
    for n in range(3):
        index = inj.pick(lambda r: case(r)["case_type"] == "WANTED")
        reports[index]["local_ref"] = f"C{9_000_001 + n:07d}"
        inj.record(index, "PNC-WM-001", "local_ref", "local case reference of no case")


# --- convictions and DNA (Operation Nutmeg) -------------------------------------------------


def build_convictions(gen, nominals: list[dict]) -> tuple[list[dict], list[dict]]:
    rng = gen.dataset_rng("convictions")
    convictions, samples = [], []
    chosen = rng.sample(range(len(nominals)), 700)
    for position, n in enumerate(chosen):
        nominal = nominals[n]
        codes = [gen.weighted(rng, gen.OFFENCE_CODES) for _ in range(rng.randint(1, 3))]
        if position < 40:
            codes.append(QUALIFYING[position % len(QUALIFYING)])
        elif position < 43:
            codes = [EXCLUDED_SOLE[position % 2]]  # sole s.12/s.13: never qualifies alone
        born = nominal["date_of_birth"]
        for code in codes:
            day = dt.date(
                rng.randint(min(max(born.year + 16, 1965), 2024), 2024), rng.randint(1, 12), 1
            )
            convictions.append(
                {
                    "conviction_ref": f"CV{len(convictions) + 1:07d}",
                    "nominal_ref": nominal["nominal_ref"],
                    "offence_code": code,
                    "conviction_date": day,
                }
            )
        qualifies = any(c in QUALIFYING for c in codes)
        if qualifies or rng.random() < 0.3:
            samples.append(
                {
                    "sample_ref": f"DNA{len(samples) + 1:07d}",
                    "nominal_ref": nominal["nominal_ref"],
                    "taken_date": dt.date(2013, rng.randint(1, 12), rng.randint(1, 28)),
                }
            )
    return convictions, samples


def inject_convictions(gen, log, datasets: dict, Injector) -> None:
    convictions, samples = datasets["pnc/convictions"], datasets["pnc/dna_samples"]
    rng = gen.dataset_rng("defects:convictions")
    qualifying = sorted({c["nominal_ref"] for c in convictions if c["offence_code"] in QUALIFYING})
    missed = set(rng.sample(qualifying, 5))  # logged from the final data by log_final
    samples[:] = [s for s in samples if s["nominal_ref"] not in missed]
    inj = Injector(log, "pnc/convictions", convictions, rng)
    plain = lambda c: c["offence_code"] not in QUALIFYING + EXCLUDED_SOLE  # noqa: E731
    for n in range(2):
        index = inj.pick(plain)
        convictions[index]["nominal_ref"] = f"N{9_000_001 + n:07d}"
        convictions[index]["_kind"] = "nominal reference of no nominal"
    inj.blank("PNC-CON-002", "offence_code", 1, where=plain)


# --- custody persons ------------------------------------------------------------------------


def build_detainees(gen, nominals: list[dict], custody: list[dict]) -> list[dict]:
    rng = gen.dataset_rng("detainees")
    by_person = {}
    for nominal in nominals:
        person = (nominal["surname"], nominal["forename"], nominal["date_of_birth"])
        by_person.setdefault(person, nominal["pnc_id"])
    rows = []
    for record in custody:
        person = (record["surname"], record["forename"], record["date_of_birth"])
        pnc_id = by_person.get(person) if rng.random() < 0.92 else None  # first arrests
        rows.append(
            {
                "person_ref": f"P{len(rows) + 1:07d}",
                "custody_ref": record["custody_ref"],
                "pnc_id": pnc_id,
            }
        )
    return rows


def inject_detainees(gen, log, datasets: dict, Injector) -> None:
    rows = datasets["custody/detainees"]
    inj = Injector(log, "custody/detainees", rows, gen.dataset_rng("defects:detainees"))
    for n in range(3):
        index = inj.pick(lambda r: r["pnc_id"] is not None)
        rows[index]["pnc_id"] = f"19{90 + n}/0{n + 1}23456{'XYZ'[n]}"
        rows[index]["_kind"] = "PNC ID of no nominal"
    index = inj.pick()
    rows[index]["custody_ref"] = "WM/C/9999999"
    rows[index]["_kind_custody"] = "custody reference of no custody record"


# --- integrity, from the final data ----------------------------------------------------------


def log_final(gen, log, datasets: dict) -> None:
    pnc_ids = {r["pnc_id"] for r in datasets["pnc/nominals"] if r["pnc_id"] is not None}
    nominal_refs = {r["nominal_ref"] for r in datasets["pnc/nominals"]}
    custody_refs = {r["custody_ref"] for r in datasets["custody/custody_records"]}
    changed = "the nominal's PNC ID was changed or removed on PNC"
    checks = [
        ("custody/detainees", "CUS-PER-001", "pnc_id", pnc_ids, "_kind", changed),
        ("custody/detainees", "CUS-PER-002", "custody_ref", custody_refs, "_kind_custody", ""),
        ("pnc/wanted_missing", "PNC-WM-004", "pnc_id", pnc_ids, "_kind", changed),
        ("pnc/convictions", "PNC-CON-001", "nominal_ref", nominal_refs, "_kind", ""),
    ]
    for dataset_id, rule_id, column, known, note, default in checks:
        rows = datasets[dataset_id]
        for index, row in enumerate(rows):
            if row[column] is not None and row[column] not in known:
                kind = row.get(note) or default
                log.record(dataset_id, rows, index, rule_id, column, kind, None)
    _log_dna(log, datasets)


def _log_dna(log, datasets: dict) -> None:
    """PNC-DNA-001: nominals with a qualifying conviction (not only s.12/s.13) and no sample."""
    qualifying: dict[str, str] = {}
    for conviction in datasets["pnc/convictions"]:
        code = conviction["offence_code"]
        if code in QUALIFYING and code not in EXCLUDED_SOLE:
            qualifying.setdefault(conviction["nominal_ref"], code)
    sampled = {s["nominal_ref"] for s in datasets["pnc/dna_samples"]}
    nominals = datasets["pnc/nominals"]
    for index, nominal in enumerate(nominals):
        code = qualifying.get(nominal["nominal_ref"])
        if code is not None and nominal["nominal_ref"] not in sampled:
            kind = f"convicted ({code}), no DNA sample taken"
            log.record("pnc/nominals", nominals, index, "PNC-DNA-001", "nominal_ref", kind, "pnc_dna_coverage")  # fmt: skip
