"""Self-check for the sample data, using Great Expectations 1.x directly.

It does not run dqaudit's engine. For every suite in ``workspace/suites/`` it
validates the suite's CSV with great_expectations, emulating the engine's
reading rules, and asserts that the keys each rule fails on are exactly the
keys ``manifest.json`` lists for that rule. From dqaudit it takes only the
police rule library: importing its GX module registers the custom
expectations, a suite's ``meta.dqaudit.derivation`` is built with
``dqaudit.engine.derivation``, and reference-file kwargs (boundaries) are read
from the suite's folder. It also checks that:

* ``generate.py`` reproduces every generated file byte for byte;
* the suites are well formed (GX 1.x core types, dqaudit meta, unique ids);
* ``workspace/dqaudit.yml`` points at the manifest's files and keys;
* the fixed-width ``pnc/arrest_summons.dat`` holds the same records as the CSV;
* every well-formed PNC ID, CRO number and ASN carries a correct check
  character, and each manifest line number points at its key.

Engine semantics emulated here:

* every cell is text; only an empty cell is null (``"NA"`` is a value);
* ``expect_column_values_to_be_between`` with numeric bounds converts the
  column with ``pd.to_numeric``; with string bounds, ``pd.to_datetime
  (format="ISO8601")``. A non-empty value that does not convert fails the rule;
* ``expect_column_pair_values_a_to_be_greater_than_b`` converts both columns
  per ``meta.dqaudit.value_type``; rows where either side is null are ignored
  (the suites say ``ignore_row_if: either_value_is_missing``), and a non-empty
  value that does not convert fails the rule.

Usage::

    .venv/bin/python sample_data/check_manifest.py [--skip-regenerate]
"""

from __future__ import annotations

import argparse
import collections
import filecmp
import importlib.util
import json
import os
import pathlib
import re
import sys
import tempfile

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import pandas as pd
import yaml
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import (
    ExpectationConfiguration,
)

import dqaudit.expectations.rules.gx_expectations  # noqa: F401  (registers the rules)
from dqaudit.connectors.base import Fingerprint, FrameExtract
from dqaudit.engine import derivation
from dqaudit.expectations.rules.catalogue import builtin_rule
from dqaudit.expectations.rules.references import resolve_kwargs
from dqaudit.expectations.suite import suite_from_dict

HERE = pathlib.Path(__file__).resolve().parent
SUITES = HERE / "workspace" / "suites"
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
DIMENSIONS = {"completeness", "uniqueness", "validity", "consistency", "timeliness", "accuracy"}
SYSTEMS = {"pnc", "gazetteer", "custody", "policeuk", "incidents", "casework"}
TABLE_RULES = {"expect_table_columns_to_match_set", "expect_table_row_count_to_be_between"}
GENERATED = [
    "pnc/nominals.csv",
    "pnc/arrest_summons.csv",
    "pnc/arrest_summons.dat",
    "pnc/arrest_summons.layout.yml",
    "pnc/court_results.csv",
    "gazetteer/addresses.csv",
    "custody/custody_records.csv",
    "custody/reviews.csv",
    "manifest.json",
    "gazetteer/postcode_directory.csv",
    "workspace/reference/force_boundary.geojson",
    "workspace/reference/neighbourhoods.geojson",
    # the audits of issue 12
    "policeuk/street.csv",
    "policeuk/street_previous.csv",
    "incidents/incidents.csv",
    "gazetteer/police_stations.csv",
    "casework/cases.csv",
    "pnc/wanted_missing.csv",
    "pnc/convictions.csv",
    "pnc/dna_samples.csv",
    "custody/detainees.csv",
    "workspace/reference/lsoa_boundaries.geojson",
    "workspace/reference/neighbourhood_boundaries.geojson",
]


class CheckFailed(Exception):
    pass


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def load_generator():
    sys.dont_write_bytecode = True  # leave no __pycache__ in sample_data/
    spec = importlib.util.spec_from_file_location("sample_data_generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_csv(path: pathlib.Path, entry: dict | None = None) -> pd.DataFrame:
    if entry and entry.get("header") is False:
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            header=None,
            names=entry["columns"],
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


# ---------------------------------------------------------------------------
# Static checks
# ---------------------------------------------------------------------------


def check_regeneration(generator) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        generator.generate(pathlib.Path(tmp))
        for name in GENERATED:
            require(
                filecmp.cmp(HERE / name, pathlib.Path(tmp) / name, shallow=False),
                f"{name} differs from a fresh run of generate.py (regenerate and commit)",
            )
    return f"generate.py reproduces all {len(GENERATED)} generated files byte for byte"


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def check_suite_shape(suite: dict, path: pathlib.Path) -> None:
    require(
        set(suite) == {"name", "expectations", "meta"}, f"{path.name}: unexpected top-level keys"
    )
    require(suite["name"] == path.stem, f"{path.name}: name does not match file name")
    meta = suite["meta"]["dqaudit"]
    require(meta["system"] in SYSTEMS, f"{path.name}: unknown system")
    require(1 <= meta["likelihood"] <= 5 and 1 <= meta["impact"] <= 5, f"{path.name}: suite scores")
    require(meta.get("purpose"), f"{path.name}: purpose missing")
    rule_ids = [e["meta"]["dqaudit"]["rule_id"] for e in suite["expectations"]]
    require(len(rule_ids) == len(set(rule_ids)), f"{path.name}: duplicate rule ids")
    for expectation in suite["expectations"]:
        require(set(expectation) == {"type", "kwargs", "meta"}, f"{path.name}: expectation keys")
        require(
            hasattr(gx.expectations, camel(expectation["type"]))
            or builtin_rule(expectation["type"]) is not None,
            f"{path.name}: {expectation['type']} is neither GX core nor a dqaudit rule",
        )
        rule = expectation["meta"]["dqaudit"]
        require(rule["dimension"] in DIMENSIONS, f"{rule['rule_id']}: dimension")
        require(
            1 <= rule["likelihood"] <= 5 and 1 <= rule["impact"] <= 5, f"{rule['rule_id']}: scores"
        )
        require(
            rule.get("rationale") and rule.get("remediation"), f"{rule['rule_id']}: text missing"
        )
        if expectation["type"] == "expect_column_pair_values_a_to_be_greater_than_b":
            require(
                rule.get("value_type") in {"datetime", "number"}, f"{rule['rule_id']}: value_type"
            )
    gx.ExpectationSuite(**suite)  # GX itself must accept the document


def check_workspace(manifest: dict, suites: dict[str, dict]) -> str:
    workspace = HERE / "workspace"
    config = yaml.safe_load((workspace / "dqaudit.yml").read_text(encoding="utf-8"))
    require((workspace / config["suites"]).resolve() == SUITES, "dqaudit.yml: suites folder")
    seen = set()
    for system, system_config in config["systems"].items():
        for dataset, ds in system_config["datasets"].items():
            dataset_id = f"{system}/{dataset}"
            entry = manifest["datasets"][dataset_id]
            paths = {entry["path"], entry.get("fixed_width", {}).get("path")}
            require(
                (workspace / ds["options"]["path"]).resolve()
                in {(HERE / p).resolve() for p in paths if p},
                f"dqaudit.yml: {dataset_id} path",
            )
            require(ds["key"] == [entry["key"]], f"dqaudit.yml: {dataset_id} key")
            seen.add(dataset_id)
    require(seen == set(manifest["datasets"]), "dqaudit.yml and manifest list different datasets")
    suite_targets = {
        f"{s['meta']['dqaudit']['system']}/{s['meta']['dqaudit']['dataset']}"
        for s in suites.values()
    }
    audited = {d for d in seen if not manifest["datasets"][d].get("reference")}
    require(suite_targets == audited, "every dataset but reference data needs a suite")
    return f"dqaudit.yml matches the manifest ({len(seen)} datasets, {len(suites)} suites)"


def check_fixed_width(manifest: dict, frames: dict[str, pd.DataFrame]) -> str:
    entry = manifest["datasets"]["pnc/arrest_summons"]["fixed_width"]
    layout = yaml.safe_load((HERE / entry["layout"]).read_text(encoding="utf-8"))["fields"]
    lines = (HERE / entry["path"]).read_text(encoding="utf-8").split("\n")
    require(lines[-1] == "", "fixed-width file must end with a newline")
    lines = lines[:-1]
    length = sum(field["width"] for field in layout)
    require(all(len(line) == length for line in lines), "fixed-width records differ in length")
    records = [
        {
            f["name"]: (line[f["start"] - 1 : f["start"] - 1 + f["width"]].strip() or None)
            for f in layout
        }
        for line in lines
    ]
    csv_frame = frames["pnc/arrest_summons"]
    fixed = pd.DataFrame(records, columns=list(csv_frame.columns), dtype=str)
    pd.testing.assert_frame_equal(fixed, csv_frame, check_dtype=False)
    return f"arrest_summons.dat: {len(records)} records of {length} characters equal the CSV"


def check_check_characters(generator, frames: dict[str, pd.DataFrame], manifest: dict) -> str:
    """Every well-formed identifier has a correct check character, unless planted wrong."""
    digits, letter = generator.check_character, f"([{generator.CHECK_ALPHABET}])"
    planted = {(d["rule_id"], d["key"]) for d in manifest["defects"] if "check" in d["kind"]}
    counts = collections.Counter()

    def verify(rule_id: str, key: str, value: str, ok: bool, what: str) -> None:
        if ok:
            counts[what] += 1
        else:
            require((rule_id, key) in planted, f"{what} {value}: check character not planted")
            counts[f"planted wrong {what}"] += 1

    nominals = frames["pnc/nominals"]
    for key, value in zip(nominals["nominal_ref"], nominals["pnc_id"], strict=True):
        if isinstance(value, str) and (
            m := re.fullmatch(r"(\d{2})(\d{2})/(\d{7})" + letter, value)
        ):
            verify("PNC-NOM-006", key, value, digits(m[2] + m[3]) == m[4], "PNC ID")
    for key, value in zip(nominals["nominal_ref"], nominals["cro_number"], strict=True):
        if isinstance(value, str) and (m := re.fullmatch(r"(\d{1,6})/(\d{2})" + letter, value)):
            verify("PNC-NOM-007", key, value, digits(m[2] + m[1].zfill(6)) == m[3], "CRO")
    arrests = frames["pnc/arrest_summons"]
    for key, value in zip(arrests["as_ref"], arrests["asn"], strict=True):
        pattern = r"(\d{2})(\d{2})[A-Z0-9]{2}(\d{2})(\d{11})" + letter
        if isinstance(value, str) and (m := re.fullmatch(pattern, value)):
            ok = digits(m[2] + m[3] + m[1] + m[4]) == m[5]
            verify("PNC-AS-007", key, value, ok, "ASN")
    return "check characters: " + ", ".join(f"{n} {k}s" for k, n in sorted(counts.items()))


# ---------------------------------------------------------------------------
# GX validation with the engine's typing rules
# ---------------------------------------------------------------------------


class Validator:
    def __init__(self) -> None:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("sample_data").add_dataframe_asset("extract")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    def validate(self, frame: pd.DataFrame, expectation: dict):
        kwargs = resolve_kwargs(expectation["type"], expectation["kwargs"], SUITES / "x", "rule")
        config = ExpectationConfiguration(
            type=expectation["type"], kwargs=kwargs, meta=expectation["meta"]
        )
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(config.to_domain_obj(), result_format=RESULT_FORMAT)
        info = result.exception_info or {}
        errors = [info] if "raised_exception" in info else list(info.values())
        for error in errors:
            if isinstance(error, dict) and error.get("raised_exception"):
                raise CheckFailed(f"GX raised: {error.get('exception_message')}")
        return result


def value_kind(expectation: dict) -> str | None:
    kwargs = expectation["kwargs"]
    if expectation["type"] == "expect_column_values_to_be_between":
        bounds = [kwargs.get("min_value"), kwargs.get("max_value")]
        if any(isinstance(b, str) for b in bounds):
            return "datetime"
        if any(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds):
            return "number"
    if expectation["type"] == "expect_column_pair_values_a_to_be_greater_than_b":
        return expectation["meta"]["dqaudit"]["value_type"]
    return None


def convert(series: pd.Series, kind: str) -> pd.Series:
    if kind == "number":
        return pd.to_numeric(series, errors="coerce")
    return pd.to_datetime(series, format="ISO8601", errors="coerce")


def failing_keys(
    validator: Validator, frame: pd.DataFrame, key: str, expectation: dict
) -> set[str]:
    """Keys the engine would report for this rule ({"<table>"} for a failed table rule)."""
    kind = value_kind(expectation)
    unparseable = pd.Series(False, index=frame.index)
    if kind:
        kwargs = expectation["kwargs"]
        columns = (
            [kwargs["column"]] if "column" in kwargs else [kwargs["column_A"], kwargs["column_B"]]
        )
        frame = frame.copy()
        for column in columns:
            converted = convert(frame[column], kind)
            unparseable |= frame[column].notna() & converted.isna()
            frame[column] = converted
    result = validator.validate(frame, expectation)
    if expectation["type"] in TABLE_RULES:
        return set() if result.success else {"<table>"}
    gx_indexes = set(result.result.get("unexpected_index_list") or [])
    if expectation["kwargs"].get("mostly", 1) == 1:
        require(
            result.success == (not gx_indexes),
            f"{expectation['meta']['dqaudit']['rule_id']}: success flag disagrees with rows",
        )
    return {frame.at[i, key] for i in gx_indexes | set(frame.index[unparseable])}


def derived_columns(suite: dict | None) -> set[str]:
    from dqaudit.expectations.rules.derivation_catalogue import DERIVATIONS

    spec = (suite or {}).get("meta", {}).get("dqaudit", {}).get("derivation")
    steps = spec if isinstance(spec, list) else [spec] if spec else []
    kinds = {step["kind"] for step in steps}
    return {c for d in DERIVATIONS if d.kind in kinds for c in d.columns}


def derive(suite: dict, frame: pd.DataFrame, frames: dict, system: str) -> pd.DataFrame:
    """The suite's derived dataset (rules across tables), built from the sample frames."""
    loaded = suite_from_dict(suite, source=suite["name"])
    if derivation.declared(loaded) is None:
        return frame

    def extract(data: pd.DataFrame) -> FrameExtract:
        return FrameExtract(data, Fingerprint("sample", "-", len(data), list(data.columns)))

    def load(dataset: str) -> FrameExtract:  # "dataset" of this system, or "system/dataset"
        return extract(frames[dataset if "/" in dataset else f"{system}/{dataset}"])

    return derivation.derive(loaded, extract(frame), load).extract.frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the sample data against manifest.json")
    parser.add_argument(
        "--skip-regenerate",
        action="store_true",
        help="do not re-run generate.py to compare the files byte for byte",
    )
    args = parser.parse_args(argv)

    generator = load_generator()
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    notes = []
    if not args.skip_regenerate:
        notes.append(check_regeneration(generator))

    suites = {}
    for path in sorted(SUITES.glob("*.json")):
        suites[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        check_suite_shape(suites[path.stem], path)
    notes.append(check_workspace(manifest, suites))

    frames = {}
    for dataset_id, entry in manifest["datasets"].items():
        frames[dataset_id] = read_csv(HERE / entry["path"], entry)
        require(len(frames[dataset_id]) == entry["rows"], f"{dataset_id}: row count")
        require(frames[dataset_id][entry["key"]].is_unique, f"{dataset_id}: key not unique")
    notes.append(check_fixed_width(manifest, frames))
    notes.append(check_check_characters(generator, frames, manifest))

    expected = collections.defaultdict(set)
    for defect in manifest["defects"]:
        dataset_id = f"{defect['system']}/{defect['dataset']}"
        frame, key = frames[dataset_id], manifest["datasets"][dataset_id]["key"]
        require(
            frame.at[defect["line"] - 2, key] == defect["key"],
            f"manifest line wrong for {defect['key']}",
        )
        columns = set(frame.columns) | derived_columns(suites.get(defect["suite"]))
        require(defect["column"] in columns, f"manifest column {defect['column']} unknown")
        expected[(defect["suite"], defect["rule_id"])].add(defect["key"])

    validator = Validator()
    rows, mismatches, seen_rules = [], [], set()
    for name, suite in suites.items():
        meta = suite["meta"]["dqaudit"]
        dataset_id = f"{meta['system']}/{meta['dataset']}"
        frame, key = frames[dataset_id], manifest["datasets"][dataset_id]["key"]
        frame = derive(suite, frame, frames, meta["system"])
        for expectation in suite["expectations"]:
            rule_id = expectation["meta"]["dqaudit"]["rule_id"]
            seen_rules.add((name, rule_id))
            actual = failing_keys(validator, frame, key, expectation)
            want = expected.get((name, rule_id), set())
            status = "ok" if actual == want else "MISMATCH"
            rows.append((name, rule_id, expectation["type"], len(want), len(actual), status))
            if actual != want:
                mismatches.append((name, rule_id, sorted(actual - want), sorted(want - actual)))
    unknown = set(expected) - seen_rules
    require(not unknown, f"manifest names rules that no suite has: {sorted(unknown)}")

    for note in notes:
        print(f"ok  {note}")
    print()
    print(
        f"{'suite':<20} {'rule_id':<12} {'expectation':<50} {'manifest':>8} {'failing':>8}  status"
    )
    for row in rows:
        print(f"{row[0]:<20} {row[1]:<12} {row[2]:<50} {row[3]:>8} {row[4]:>8}  {row[5]}")
    total = sum(len(keys) for keys in expected.values())
    print(
        f"\n{len(rows)} rules in {len(suites)} suites; {total} expected failing keys "
        f"({len(manifest['defects'])} manifest entries); {len(mismatches)} mismatches"
    )
    for name, rule_id, extra, missing in mismatches:
        print(f"  {name} {rule_id}: unexpected {extra[:10]} missing {missing[:10]}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as error:
        print(f"FAILED: {error}", file=sys.stderr)
        sys.exit(1)
