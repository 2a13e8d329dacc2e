"""Derived datasets on Spark: the PACE clock and the postcode directory, by key, in place.

Both derivations look only within one key: a detention's clock needs that detention's
reviews, extensions and warrants (``custody_ref``); a postcode's lookup needs that
postcode's directory entry. So on Spark the dataset and its input are cogrouped by that
key and each group goes through the very pandas function the pandas backend uses
(``custody.pace_measures``, ``addresses.postcode_lookup``) in ``applyInPandas``: the
verdicts are the same by construction, nothing is re-stated, and a bucket holds only its
share of the keys. The data never leaves the cluster; the
derived columns are added to the dataset's own DataFrame, which keeps its rows and key.

Other kinds (registered in ``derived_kinds``, ``duplicate_addresses``) build their
columns in memory over whole tables and are refused on Spark before the run (their
``engines`` in derivation_catalogue say pandas only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dqaudit.errors import InputError
from dqaudit.expectations.rules import addresses, custody
from dqaudit.expectations.rules.references import ReferenceFile, derivation_input
from dqaudit.timezones import DEFAULT_TIMEZONE

if TYPE_CHECKING:
    import pandas as pd

    from dqaudit.connectors.base import Extract
    from dqaudit.connectors.spark import SparkExtract

SPARK_KINDS = ("pace_detentions", "postcode_directory")
_PACE_INTEGERS = ("tact_reviews_after_warrant", "age_at_arrival_years")
_DTYPES = {"double": "float64", "bigint": "Int64"}


def derive_on_spark(
    suite: Any,
    plan: list[Any],
    extract: SparkExtract,
    load: Callable[[str], Extract],
    timezone: str = DEFAULT_TIMEZONE,
) -> tuple[SparkExtract, list[ReferenceFile]]:
    """Apply the suite's derivation steps (``derivation.steps``, checked) to a Spark
    dataset: the derived extract and the inputs it read. Inputs may be Spark datasets or
    files (a file input is handed to the session: reference data is small). This module
    does not import ``derivation`` (which calls it), so the two make no import cycle."""
    if not plan:
        return extract, []
    refused = [step.kind for step in plan if step.kind not in SPARK_KINDS]
    if refused:
        raise InputError(
            f"{suite.source}: meta.dqaudit.derivation ({', '.join(refused)}) does not run on "
            f"Spark (on Spark: {', '.join(SPARK_KINDS)})"
        )
    dataframe = extract.dataframe
    references: list[ReferenceFile] = []
    loaded: dict[str, Any] = {}
    for step in plan:
        inputs = {}
        for name, dataset in step.inputs.items():
            if dataset not in loaded:
                source = load(dataset)
                loaded[dataset] = _as_spark(source, dataframe.sparkSession)
                references.append(derivation_input(dataset, source.fingerprint))
            inputs[name] = loaded[dataset]
        before = set(dataframe.columns)
        dataframe = _apply(step, dataframe, inputs, timezone, suite)
        clash = [c for c in _added(step) if c in before]
        if clash:
            raise InputError(
                f"{suite.source}: derivation {step.kind} would add column '{clash[0]}', "
                "which the dataset already has"
            )
    fingerprint = dataclasses.replace(extract.fingerprint, columns=list(dataframe.columns))
    types = {f.name: f.dataType.simpleString() for f in dataframe.schema.fields}
    derived = dataclasses.replace(
        extract, dataframe=dataframe, fingerprint=fingerprint, column_types=types
    )
    return derived, references


def _added(step: Any) -> tuple[str, ...]:
    return custody.DERIVED_COLUMNS if step.kind == "pace_detentions" else _POSTCODE_COLUMNS


_POSTCODE_COLUMNS = ("postcode_in_directory", "distance_to_postcode_m")


def _as_spark(extract: Any, session: Any) -> Any:
    from dqaudit.connectors.spark import SparkExtract

    if isinstance(extract, SparkExtract):
        return extract.dataframe
    frame = getattr(extract, "frame", None)
    if frame is None:
        raise InputError(
            "a derivation input on Spark must be a Spark dataset or a file read into memory"
        )
    text = frame.astype("string").astype(object).where(frame.notna(), None)
    schema = ", ".join(f"`{str(c).replace('`', '``')}` string" for c in frame.columns)
    return session.createDataFrame(text.values.tolist(), schema)


def _apply(step: Any, dataframe: Any, inputs: dict[str, Any], timezone: str, suite: Any) -> Any:
    options = step.options
    if step.kind == "pace_detentions":
        reviews = inputs["reviews"]
        has_relevant = options.relevant_time in dataframe.columns
        _require(dataframe, options.custody_columns(has_relevant), suite, step, "the dataset")
        _require(reviews, options.review_columns(), suite, step, "input 'reviews'")

        def pace(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
            return custody.pace_measures(left, right, options, timezone)

        types = {
            name: "bigint" if name in _PACE_INTEGERS else "double"
            for name in custody.DERIVED_COLUMNS
            if name in custody._NUMBERS or name in _PACE_INTEGERS
        }
        return _cogrouped(
            dataframe,
            options.key,
            reviews,
            options.review_key,
            pace,
            custody.DERIVED_COLUMNS,
            types,
        )
    directory = inputs["directory"]
    _require(dataframe, [options.postcode, options.x, options.y], suite, step, "the dataset")
    _require(
        directory,
        [options.directory_postcode, options.directory_x, options.directory_y],
        suite,
        step,
        "input 'directory'",
    )

    def lookup(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
        return addresses.postcode_lookup(left, right, options)

    return _cogrouped(
        dataframe,
        options.postcode,
        directory,
        options.directory_postcode,
        lookup,
        _POSTCODE_COLUMNS,
        {"distance_to_postcode_m": "double"},
        postcode_key=True,
    )


def _cogrouped(
    dataframe: Any,
    key: str,
    other: Any,
    other_key: str,
    build: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame],
    added: tuple[str, ...],
    types: dict[str, str],
    *,
    postcode_key: bool = False,
) -> Any:
    """The dataset cogrouped with ``other`` by (a bucket of) key, each bucket's rows with
    ``build``'s columns added; ``other``'s rows alone give no row. Every key's rows meet
    in one bucket, and ``build`` looks only within a key, so the columns are those it
    gives over the whole tables. The key is compared as text (postcodes upper case
    without spaces, as ``addresses.postcode_key`` compares them)."""
    import pandas as pd
    from pyspark.sql import functions as F

    from dqaudit.engine.spark_eval import column

    def grouping(name: str) -> Any:
        value = column(name).cast("string")
        return F.upper(F.regexp_replace(value, r"\s+", "")) if postcode_key else value

    # Keys are spread over buckets (one per shuffle partition) and each bucket goes to
    # ``build`` whole: the functions are vectorised over many keys, and a call per key
    # would cost more in Python than the work itself.
    buckets = _buckets(dataframe.sparkSession)
    group = "__dqaudit_group"
    left = dataframe.withColumn(group, F.pmod(F.hash(grouping(key)), F.lit(buckets)))
    right = other.withColumn(group, F.pmod(F.hash(grouping(other_key)), F.lit(buckets)))
    names = list(dataframe.columns)
    schema = ", ".join(
        [f"`{f.name.replace('`', '``')}` {f.dataType.simpleString()}" for f in dataframe.schema]
        + [f"`{name}` {types.get(name, 'string')}" for name in added]
    )

    def per_group(rows: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
        rows = rows[names].reset_index(drop=True)
        if rows.empty:  # the input's rows with no row of the dataset: nothing to add
            return pd.DataFrame(
                {name: pd.Series([], dtype=object) for name in names}
                | {
                    name: pd.Series([], dtype=_DTYPES.get(types.get(name, ""), object))
                    for name in added
                }
            )
        built = build(rows, matches.drop(columns=[group]).reset_index(drop=True))
        columns = {}
        for name in added:
            values = built[name]
            if types.get(name) == "double":
                columns[name] = values.astype("float64")
            elif types.get(name) == "bigint":
                columns[name] = values.astype("Int64")
            else:
                columns[name] = values.astype("string").astype(object).where(values.notna(), None)
        result = pd.concat([rows, pd.DataFrame(columns)], axis=1)
        return result.astype({name: object for name in _text_columns(result)})

    grouped = left.groupBy(group).cogroup(right.groupBy(group))
    return grouped.applyInPandas(per_group, schema)


def _buckets(session: Any) -> int:
    try:
        return max(1, int(session.conf.get("spark.sql.shuffle.partitions")))
    except (TypeError, ValueError):  # a session that does not say
        return 200


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns held as pandas strings: pyspark's Arrow conversion wants plain objects
    (pandas 3's pyarrow-backed strings arrive as chunked arrays it refuses)."""
    import pandas as pd

    return [
        str(name)
        for name, dtype in frame.dtypes.items()
        if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
    ]


def _require(dataframe: Any, columns: list[str], suite: Any, step: Any, what: str) -> None:
    for name in columns:
        if name not in dataframe.columns:
            shown = ", ".join(map(str, list(dataframe.columns)[:30]))
            raise InputError(
                f"{suite.source}: derivation {step.kind} needs column '{name}' in {what}; "
                f"its columns are: {shown} (set it in meta.dqaudit.derivation.options)"
            )
