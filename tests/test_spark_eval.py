"""Text read as numbers and datetimes on Spark: the grammar of text_values, value for value.

The Spark helpers parse with a shape regex and fixed-position fields (spark_eval); this
compares them with the grammar's scalar reading (the one SQLite uses) over the texts
that trip parsers: offsets in every spelling, fractions to nanoseconds, impossible
dates and times, years out of range, padding and a trailing newline.
"""

from __future__ import annotations

from typing import Any

import pytest

from dqaudit.expectations import text_values
from tests.conftest import SPARK_SOCKET_WARNING

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)]

DATETIMES = [
    "2024-03-01",
    " 2024-03-01 ",
    "2024-03-01T09:00",
    "2024-03-01 09:00:05",
    "2024-03-01 09:00:05.5",
    "2024-03-01 09:00:05.123456789",
    "2024-03-01 09:00Z",
    "2024-03-01T09:00:00+01:00",
    "2024-03-01 09:00:00.25-0130",
    "2024-03-01 09:00+05",
    "2024-01-01 00:30+01:00",
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "2024-13-01",
    "2024-03-01 24:00",
    "2024-03-01 23:60",
    "2024-03-01 9:00",
    "2024-03-01\n",
    "2024-03-01 09:00:05.100",
    "2024-03-01 09:00:05.1234567",
    "0999-03-01 09:00:05",
    "1677-12-31 23:59:59",
    "1678-01-01 00:00:00",
    "2262-01-01 00:00:00",
    "+2024-03-01 09:00:05",
    "2024-03-01 09:00:05-01:30",
    "2024-03-01T09:00:05Z",
    "2024-3-01 09:00:05",
    "1677-12-31",
    "1678-01-01",
    "2261-12-31 23:59:59",
    "2262-01-01",
    "20240301",
    "2024-03",
    "not a date",
    "",
    None,
]
NUMBERS = [
    "12",
    " -3.5 ",
    ".5",
    "5.",
    "1e3",
    "+2E-2",
    "inf",
    "NaN",
    "1,000",
    "0x10",
    "",
    None,
    "-0",
    "007",
    "+5",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
]


def test_datetimes_and_numbers_read_as_the_grammar_reads_them(spark: Any) -> None:
    from dqaudit.engine.spark_eval import SparkHelpers

    rows = [(d, NUMBERS[i] if i < len(NUMBERS) else None) for i, d in enumerate(DATETIMES)]
    frame = spark.createDataFrame(rows, "d string, n string")
    helpers = SparkHelpers({"d": "text", "n": "text"}, {"d": "string", "n": "string"}, "UTC")
    stamp, bad_stamp = helpers.datetime("d")
    number, bad_number = helpers.number("n")
    staged = frame.select("*", *helpers.parsed_columns())
    found = staged.select(stamp.cast("string"), bad_stamp, number, bad_number).collect()
    for (d, n), (s, s_bad, v, v_bad) in zip(rows, found, strict=True):
        expected = text_values.datetime_text_from(d)
        if expected is not None:
            assert s is not None, d
            assert s.split(".")[0] == expected.split(".")[0], d
            fraction = expected.split(".")[1].rstrip("0")
            assert (s.split(".")[1] if "." in s else "") == fraction, d
        else:
            assert s is None, d
        assert s_bad is (d is not None and expected is None), d
        assert v == text_values.number_from(n), n
        assert v_bad is (n is not None and text_values.number_from(n) is None), n
