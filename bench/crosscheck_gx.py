"""Cross-check the hand-written reference against plain Great Expectations.

Why: the benchmark trusts ``reference_check.py`` to say which keys dqaudit
must report.  This script checks that trust independently: it runs every rule
of a suite through stock great_expectations (ephemeral context, pandas
datasource, COMPLETE result format) on a 50,000-row sample and compares the
failing keys per rule with the reference's.

GX itself does not know dqaudit's typing rules, so they are emulated here,
per rule, before GX sees the data:

* cells are read as text (only an empty cell is null);
* a rule with numeric bounds gets the column through ``pd.to_numeric``, with
  datetime (string) bounds through ``pd.to_datetime(format="ISO8601")``;
  the pair rule converts both columns as its ``meta.dqaudit.value_type`` says;
* a non-empty cell that does not parse is replaced by a sentinel that GX's own
  comparison will fail (below the minimum / above the maximum, or an A side far
  in the past and a B side far in the future), so GX still decides every row.

Everything else (null handling, regex, sets, uniqueness, row conditions, the
pair rule's ``ignore_row_if``) is left to GX.

Usage: ``python bench/crosscheck_gx.py [--size 50000] [--suite bench/custody_suite.json]``
Exit status 0 when every rule agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import generate_custody
import numpy as np
import pandas as pd
import reference_check

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
PAST, FUTURE = pd.Timestamp("1700-01-01"), pd.Timestamp("2200-01-01")
LOW_NUMBER, HIGH_NUMBER = -np.inf, np.inf


def typed_number(text: pd.Series, unparsed_fill: float) -> pd.Series:
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    return parsed.mask(text.notna() & parsed.isna(), unparsed_fill)


def typed_datetime(text: pd.Series, unparsed_fill: pd.Timestamp) -> pd.Series:
    # GX vectorises datetime comparisons only for datetime64[ns] columns.
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    return parsed.mask(text.notna() & parsed.isna(), unparsed_fill)


def typed_frame(text: pd.DataFrame, expectation: dict[str, Any]) -> pd.DataFrame:
    """The text frame with this rule's column(s) converted as dqaudit would."""
    kw = expectation["kwargs"]
    meta = expectation.get("meta", {}).get("dqaudit", {})
    kind = expectation["type"]
    frame = text.copy(deep=False)
    if kind == "expect_column_values_to_be_between":
        col, low = kw["column"], kw.get("min_value")
        datetime_bounds = isinstance(low, str) or isinstance(kw.get("max_value"), str)
        if datetime_bounds:
            frame[col] = typed_datetime(text[col], PAST if low is not None else FUTURE)
        else:
            frame[col] = typed_number(text[col], LOW_NUMBER if low is not None else HIGH_NUMBER)
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kw["column_A"], kw["column_B"]
        if meta.get("value_type") == "datetime":
            frame[a], frame[b] = typed_datetime(text[a], PAST), typed_datetime(text[b], FUTURE)
        else:
            frame[a], frame[b] = (
                typed_number(text[a], LOW_NUMBER),
                typed_number(text[b], HIGH_NUMBER),
            )
    return frame


def gx_context() -> Any:
    """An ephemeral GX context with the progress bars switched off."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def gx_failing_keys(
    source: Any, name: str, frame: pd.DataFrame, expectation: dict[str, Any], key: str
) -> list[Any]:
    """Run one expectation through stock GX; map its unexpected rows to keys."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    batch = (
        source.add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    config = ExpectationConfiguration(type=expectation["type"], kwargs=expectation["kwargs"])
    result = batch.validate(config.to_domain_obj(), result_format=RESULT_FORMAT)
    if result.exception_info and result.exception_info.get("raised_exception"):
        raise RuntimeError(f"GX raised: {result.exception_info}")
    rows = sorted(result.result.get("unexpected_index_list") or [])  # RangeIndex = file position
    return frame[key].iloc[rows].tolist()


def compare(data_path: Path, suite_path: Path, key: str) -> list[dict[str, Any]]:
    """One row per rule: GX and reference counts, and whether the keys match."""
    suite = json.loads(suite_path.read_text())
    text = reference_check.read_text_csv(data_path)
    reference = reference_check.run(data_path, suite_path, key)["results"]
    source = gx_context().data_sources.add_pandas("bench")
    rows = []
    for i, (expectation, ref) in enumerate(zip(suite["expectations"], reference, strict=True)):
        frame = typed_frame(text, expectation)
        gx_keys = gx_failing_keys(source, f"rule_{i}", frame, expectation, key)
        rows.append(
            {
                "rule_id": ref["rule_id"],
                "gx_count": len(gx_keys),
                "reference_count": ref["unexpected_count"],
                "match": gx_keys == ref["failing_keys"],
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--suite", type=Path, default=BENCH / "custody_suite.json")
    parser.add_argument("--key", default="custody_ref")
    parser.add_argument("--data-dir", type=Path, default=REPO / "bench-data")
    args = parser.parse_args(argv)

    data_path = generate_custody.dataset_path(args.data_dir, args.size)
    generate_custody.ensure_dataset(data_path, args.size)
    rows = compare(data_path, args.suite, args.key)
    print(f"{'rule':<9} {'GX':>7} {'reference':>9}  keys")
    for row in rows:
        verdict = "identical" if row["match"] else "DIFFER"
        print(f"{row['rule_id']:<9} {row['gx_count']:>7} {row['reference_count']:>9}  {verdict}")
    ok = all(row["match"] for row in rows)
    print(f"crosscheck on {data_path.name}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
