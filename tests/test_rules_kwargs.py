"""Rule kwargs: the dataset's timezone, bad reference kwargs and bad kwargs named clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from tests.conftest import invoke, rule, write_suite

# 2024-10-27 is the autumn clock change in the UK: noon to noon is 25 h in London.
ACROSS_THE_CHANGE = ("2024-10-26 12:00:00", "2024-10-27 12:00:00")


def _hours_rule(**kwargs: object) -> dict:
    return rule(
        "expect_column_pair_values_to_be_within_hours",
        "PNC-1",
        column_A="arrest",
        column_B="entered",
        max_hours=24,
        **kwargs,
    )


def _workspace(tmp_path: Path, dataset_timezone: str, rule_kwargs: dict) -> Path:
    workspace = tmp_path / "ws"
    (workspace / "suites").mkdir(parents=True)
    (workspace / "extract.csv").write_text(
        "ref,arrest,entered\nA1,{},{}\n".format(*ACROSS_THE_CHANGE), encoding="utf-8"
    )
    write_suite(
        workspace / "suites" / "timeliness.json",
        [_hours_rule(**rule_kwargs)],
        system="records",
        dataset="extract",
        likelihood=3,
        impact=3,
    )
    (workspace / "dqaudit.yml").write_text(
        "systems:\n"
        "  records:\n"
        "    owner: {name: Owner, email: owner@example.police.uk}\n"
        "    datasets:\n"
        "      extract:\n"
        "        options: {path: extract.csv}\n"
        "        key: [ref]\n"
        f"        timezone: {dataset_timezone}\n",
        encoding="utf-8",
    )
    return workspace


@pytest.mark.parametrize(
    ("timezone", "rule_kwargs", "exit_code"),
    [
        ("UTC", {}, 0),  # exactly 24 h in the dataset's timezone
        ("Europe/London", {}, 1),  # 25 h across the clock change
        ("UTC", {"timezone": "Europe/London"}, 1),  # the rule's own timezone wins
    ],
)
def test_audit_run_reads_timeliness_in_the_dataset_timezone(
    tmp_path: Path, timezone: str, rule_kwargs: dict, exit_code: int
) -> None:
    workspace = _workspace(tmp_path, timezone, rule_kwargs)
    run = invoke("audit", "run", "-w", str(workspace), "--allow-draft")
    assert run.exit_code == exit_code, run.output


def test_run_suite_uses_the_timezone_given_for_order_and_timeliness() -> None:
    frame = pd.DataFrame(
        {"ref": ["A1"], "arrest": [ACROSS_THE_CHANGE[0]], "entered": [ACROSS_THE_CHANGE[1]]}
    )
    suite = {"name": "t", "expectations": [_hours_rule()]}
    assert run_suite(frame, suite, key="ref", timezone="UTC").results[0].failing_keys == []
    london = run_suite(frame, suite, key="ref", timezone="Europe/London")
    assert london.results[0].failing_keys == ["A1"]
    assert run_suite(frame, suite, key="ref").results[0].failing_keys == ["A1"]  # default London


# --- bad input inside rule kwargs is exit 2, naming the rule and the kwarg ----------------

POINTS = "ref,easting,northing,area,outcome,arrest,entered\nA1,358000,173000,N1,1,{},{}\n".format(
    *ACROSS_THE_CHANGE
)


def _boundary_rule(path: str, **kwargs: object) -> dict:
    return rule(
        "expect_column_pair_values_to_be_within_boundary",
        "GEO-1",
        column_A="easting",
        column_B="northing",
        boundary=path,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("expectation", "kwarg", "message"),
    [
        (
            rule(
                "expect_column_values_to_be_in_code_list",
                "COD-1",
                column="outcome",
                code_list="nope",
            ),
            "code_list",
            "unknown code list 'nope'",
        ),
        (_hours_rule(timezone="Europe/Londn"), "timezone", "unknown timezone 'Europe/Londn'"),
        (
            rule(
                "expect_multicolumn_datetimes_to_be_in_order",
                "ORD-1",
                column_list=["arrest", "entered"],
                timezone="Mars/Olympus",
            ),
            "timezone",
            "unknown timezone 'Mars/Olympus'",
        ),
        (_boundary_rule("boundary.geojson", crs="EPSG:99999999"), "crs", "EPSG:99999999"),
        (_boundary_rule("not_geojson.geojson"), "boundary", "cannot read boundary file"),
        (_boundary_rule("point.geojson"), "boundary", "not a polygon"),
    ],
)
def test_bad_reference_kwargs_are_input_errors_naming_rule_and_kwarg(
    tmp_path: Path, expectation: dict, kwarg: str, message: str
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(POINTS, encoding="utf-8")
    square = [[[350000, 170000], [360000, 170000], [360000, 180000], [350000, 170000]]]
    (tmp_path / "boundary.geojson").write_text(
        json.dumps(
            {
                "type": "Polygon",
                "crs": {"type": "name", "properties": {"name": "EPSG:27700"}},
                "coordinates": square,
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "not_geojson.geojson").write_text("<kml>not json</kml>", encoding="utf-8")
    (tmp_path / "point.geojson").write_text(
        json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}),
        encoding="utf-8",
    )
    suite = write_suite(tmp_path / "suite.json", [expectation])
    result = invoke("check", str(extract), "--suite", str(suite), "--key", "ref")
    assert result.exit_code == 2, result.output
    assert expectation["meta"]["dqaudit"]["rule_id"] in result.output
    assert f"kwarg '{kwarg}'" in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_invalid_kwargs_name_each_kwarg_and_its_problem(tmp_path: Path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(POINTS, encoding="utf-8")
    bad = rule(
        "expect_column_pair_values_to_be_within_hours",
        "PNC-2",
        column_A="arrest",
        column_B="entered",
        mostly=2,
    )
    suite = write_suite(tmp_path / "suite.json", [bad])
    result = invoke("check", str(extract), "--suite", str(suite), "--key", "ref")
    assert result.exit_code == 2, result.output
    (line,) = [text for text in result.output.splitlines() if text.strip()]
    assert "PNC-2" in line and "invalid kwargs: " in line
    assert "mostly: ensure this value is less than or equal to 1" in line
    assert "max_hours: missing" in line


def test_a_record_never_entered_and_without_an_arrest_datetime_is_late() -> None:
    frame = pd.DataFrame(
        {
            "ref": ["A1", "A2", "A3"],
            "arrest": ["2024-05-01 08:00:00", None, "2024-05-01 08:00:00"],
            "entered": ["2024-05-01 09:00:00", None, None],
        }
    )
    suite = {"name": "t", "expectations": [_hours_rule()]}
    (result,) = run_suite(frame, suite, key="ref").results
    assert result.failing_keys == ["A2", "A3"]
    assert result.element_count == 3
    opted_out = {
        "name": "t",
        "expectations": [_hours_rule(ignore_row_if="both_values_are_missing")],
    }
    assert run_suite(frame, opted_out, key="ref").results[0].failing_keys == ["A3"]
