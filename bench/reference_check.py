"""Hand-vectorised pandas reference for the dqaudit benchmark.

Why: the issue sets dqaudit's cost targets as ratios against "a hand-vectorised
pandas script that computes the same failing keys".  This is that script.  It
reads the CSV exactly as the engine does and computes, for each rule of a
suite, the failing key values in file order with whole-column pandas/numpy
operations (no per-row Python loop), then prints
``{"results": [{"rule_id", "unexpected_count", "failing_keys"}]}``.

It takes the rule parameters from the suite file (so that it cannot drift from
it) but each rule type is a hand-written vectorised check, reproducing the
engine's semantics:

* every cell is text; only an empty cell is null;
* rules ignore nulls, except ``not_be_null``;
* numeric bounds -> ``pd.to_numeric(errors="coerce")``, string bounds ->
  ``pd.to_datetime(format="ISO8601", errors="coerce")``; a non-empty value that
  does not parse fails the rule;
* pair rules skip rows where either side is null, and fail a row where a
  non-empty side does not parse;
* ``be_unique`` flags every row of a duplicated value;
* ``match_regex`` has ``re.search`` semantics;
* a ``row_condition`` (pandas query syntax) filters the rows first.

Usage: ``python bench/reference_check.py DATA.csv SUITE.json [--key custody_ref]``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Mask = np.ndarray  # boolean, one entry per row of the frame it was computed on
Check = Callable[[pd.DataFrame, dict[str, Any], dict[str, Any]], Mask]


def read_text_csv(path: Path) -> pd.DataFrame:
    """Read every cell as text; only an empty cell becomes null."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def as_datetime(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", errors="coerce")


def as_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def not_null_failures(frame: pd.DataFrame, kw: dict[str, Any], meta: dict[str, Any]) -> Mask:
    return frame[kw["column"]].isna().to_numpy()


def unique_failures(frame: pd.DataFrame, kw: dict[str, Any], meta: dict[str, Any]) -> Mask:
    values = frame[kw["column"]]
    return (values.notna() & values.duplicated(keep=False)).to_numpy()


def regex_failures(frame: pd.DataFrame, kw: dict[str, Any], meta: dict[str, Any]) -> Mask:
    values = frame[kw["column"]]
    matches = values.str.contains(kw["regex"], regex=True, na=False)  # re.search
    return (values.notna() & ~matches).to_numpy()


def in_set_failures(frame: pd.DataFrame, kw: dict[str, Any], meta: dict[str, Any]) -> Mask:
    values = frame[kw["column"]]
    return (values.notna() & ~values.isin(kw["value_set"])).to_numpy()


def _outside(parsed: pd.Series, low: Any, high: Any, kw: dict[str, Any]) -> pd.Series:
    """True where ``parsed`` is unparsed (NaN/NaT) or outside the bounds."""
    bad = parsed.isna()
    if low is not None:
        bad |= (parsed <= low) if kw.get("strict_min") else (parsed < low)
    if high is not None:
        bad |= (parsed >= high) if kw.get("strict_max") else (parsed > high)
    return bad


def between_failures(frame: pd.DataFrame, kw: dict[str, Any], meta: dict[str, Any]) -> Mask:
    """Numeric bounds compare numbers; string bounds compare datetimes."""
    values = frame[kw["column"]]
    low, high = kw.get("min_value"), kw.get("max_value")
    if isinstance(low, str) or isinstance(high, str):
        parsed = as_datetime(values)
        low = None if low is None else pd.Timestamp(low)
        high = None if high is None else pd.Timestamp(high)
    else:
        parsed = as_number(values)
    return (values.notna() & _outside(parsed, low, high, kw)).to_numpy()


def pair_greater_failures(frame: pd.DataFrame, kw: dict[str, Any], meta: dict[str, Any]) -> Mask:
    """``A > B`` (or ``>=``), typed by ``meta.dqaudit.value_type``."""
    a, b = frame[kw["column_A"]], frame[kw["column_B"]]
    parse = as_datetime if meta.get("value_type") == "datetime" else as_number
    pa, pb = parse(a), parse(b)
    holds = (pa >= pb) if kw.get("or_equal") else (pa > pb)  # False where either is NaN/NaT
    considered = a.notna() & b.notna()
    return (considered & ~holds).to_numpy()


CHECKS: dict[str, Check] = {
    "expect_column_values_to_not_be_null": not_null_failures,
    "expect_column_values_to_be_unique": unique_failures,
    "expect_column_values_to_match_regex": regex_failures,
    "expect_column_values_to_be_in_set": in_set_failures,
    "expect_column_values_to_be_between": between_failures,
    "expect_column_pair_values_a_to_be_greater_than_b": pair_greater_failures,
}


def rule_frame(data: pd.DataFrame, kw: dict[str, Any]) -> pd.DataFrame:
    """The rows a rule looks at: all of them, or those its row_condition keeps."""
    condition = kw.get("row_condition")
    if not condition:
        return data
    keep = data.eval(condition, parser=kw.get("condition_parser", "pandas"), engine="python")
    return data.loc[keep.fillna(False).astype(bool).to_numpy()]


def check_rule(data: pd.DataFrame, expectation: dict[str, Any], key: str) -> dict[str, Any]:
    """Failing keys (file order) and their count for one expectation."""
    kw = expectation["kwargs"]
    meta = expectation.get("meta", {}).get("dqaudit", {})
    check = CHECKS.get(expectation["type"])
    if check is None:
        raise SystemExit(f"reference_check: no hand-written check for {expectation['type']}")
    frame = rule_frame(data, kw)
    failing = frame[key].to_numpy()[check(frame, kw, meta)]
    keys = [None if isinstance(k, float) else k for k in failing.tolist()]  # NaN key -> null
    return {
        "rule_id": meta.get("rule_id"),
        "expectation_type": expectation["type"],
        "unexpected_count": len(keys),
        "failing_keys": keys,
    }


def run(data_path: Path, suite_path: Path, key: str) -> dict[str, Any]:
    suite = json.loads(suite_path.read_text())
    data = read_text_csv(data_path)
    results = [check_rule(data, exp, key) for exp in suite["expectations"]]
    return {"suite": suite.get("name"), "rows": len(data), "results": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("suite", type=Path)
    parser.add_argument("--key", default="custody_ref", help="column whose values identify rows")
    args = parser.parse_args(argv)
    json.dump(run(args.data, args.suite, args.key), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
