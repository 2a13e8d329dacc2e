"""The fixed_width connector: layouts, record lengths, typed fields, the sample PNC extract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from dqaudit.connectors.base import BadRow
from dqaudit.connectors.csv_file import read_csv
from dqaudit.connectors.fixed_width import load_layout, read_fixed_width
from dqaudit.connectors.registry import get_connector
from dqaudit.errors import InputError

FIELDS = [
    {"name": "ref", "start": 1, "width": 4, "type": "string"},
    {"name": "age", "start": 5, "width": 3, "type": "integer"},
    {"name": "seen", "start": 8, "width": 10, "type": "date"},
]


def layout_file(tmp_path: Path, fields: list | None = None, **settings: object) -> Path:
    path = tmp_path / "layout.yml"
    path.write_text(yaml.safe_dump({"fields": fields or FIELDS, **settings}), encoding="utf-8")
    return path


def data_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "extract.dat"
    path.write_text(text, encoding="utf-8")
    return path


def test_fields_are_cut_stripped_and_typed(tmp_path: Path) -> None:
    path = data_file(tmp_path, "A1   342024-01-02\r\nA2     2024-01-03\nA3  007          \n")
    extract = read_fixed_width(path, load_layout(layout_file(tmp_path)))
    frame = extract.frame
    assert frame["ref"].tolist() == ["A1", "A2", "A3"]
    assert frame["age"].tolist()[0] == 34 and pd.isna(frame["age"].iloc[1])
    assert frame["age"].iloc[2] == 7
    assert str(frame["seen"].dtype) == "datetime64[ns]" and pd.isna(frame["seen"].iloc[2])
    assert extract.line_numbers.tolist() == [1, 2, 3]


def test_a_record_of_the_wrong_length_names_its_line(tmp_path: Path) -> None:
    path = data_file(tmp_path, "A1   342024-01-02\nA2   35\nA3   362024-01-04\n")
    layout = load_layout(layout_file(tmp_path))
    with pytest.raises(InputError, match="line 2: the record is 7 characters long; the layout"):
        read_fixed_width(path, layout)
    extract = read_fixed_width(path, layout, on_bad_row="report")
    assert extract.frame["ref"].tolist() == ["A1", "A3"]
    assert extract.line_numbers.tolist() == [1, 3]
    assert extract.bad_rows[0].line == 2


def test_a_value_that_is_not_its_type_is_a_bad_row(tmp_path: Path) -> None:
    path = data_file(tmp_path, "A1   342024-01-02\nA2   x52024-01-03\n")
    layout = load_layout(layout_file(tmp_path))
    with pytest.raises(InputError, match="line 2: column 'age' is not a valid integer"):
        read_fixed_width(path, layout)
    assert read_fixed_width(path, layout, on_bad_row="skip").bad_rows == (
        BadRow(2, "column 'age' is not a valid integer"),
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        ([{"name": "a", "start": 1, "width": 3, "type": "text"}] * 2, "field 'a' appears twice"),
        (
            [
                {"name": "a", "start": 1, "width": 3, "type": "string"},
                {"name": "b", "start": 3, "width": 2, "type": "string"},
            ],
            r"fields 'a' \(1-3\) and 'b' \(3-4\) overlap",
        ),
        ([{"name": "a", "start": 0, "width": 3, "type": "string"}], "'start' must be a whole"),
        ([{"name": "a", "start": 1, "width": 3, "type": "money"}], "unknown type 'money'"),
        ([{"name": "a", "start": 1, "width": 3}], "unknown type None"),
        ([{"start": 1, "width": 3, "type": "string"}], "field 1 has no name"),
        ([{"name": "a", "start": 1, "width": 3, "type": "string", "pic": "X"}], "unknown setting"),
    ],
)
def test_bad_layouts_are_clear_errors(tmp_path: Path, fields: list, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_layout(layout_file(tmp_path, fields))


def test_layout_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="layout file not found"):
        load_layout(tmp_path / "none.yml")
    (tmp_path / "bad.yml").write_text("fields: [", encoding="utf-8")
    with pytest.raises(InputError, match=r"line \d+, column \d+: not valid YAML"):
        load_layout(tmp_path / "bad.yml")
    layout = load_layout(layout_file(tmp_path))
    with pytest.raises(InputError, match="the file is empty"):
        read_fixed_width(data_file(tmp_path, "\n\n"), layout)
    windows = tmp_path / "windows.dat"
    windows.write_bytes("Zoë  342024-01-02\n".encode("cp1252"))
    with pytest.raises(InputError, match="line 1 is not valid utf-8"):
        read_fixed_width(windows, layout, encoding="utf-8")
    assert read_fixed_width(windows, layout).frame["ref"].tolist() == ["Zoë"]  # detected
    with pytest.raises(InputError, match="option 'layout' is required"):
        get_connector("fixed_width").extract({"path": "x.dat"}, base_dir=tmp_path)


def test_the_sample_pnc_extract_holds_exactly_the_csv_records(sample_data: Path) -> None:
    pnc = sample_data / "pnc"
    connector = get_connector("fixed_width")
    extract = connector.extract(
        {"path": "arrest_summons.dat", "layout": "arrest_summons.layout.yml"}, base_dir=pnc
    )
    csv = read_csv(pnc / "arrest_summons.csv").frame
    frame = extract.frame.copy()
    for column, shown in (
        ("arrest_datetime", "%Y-%m-%d %H:%M:%S"),
        ("summons_date", "%Y-%m-%d"),
        ("pnc_entered_datetime", "%Y-%m-%d %H:%M:%S"),
    ):
        assert str(frame[column].dtype) == "datetime64[ns]"  # the layout types them
        frame[column] = frame[column].dt.strftime(shown)
    assert list(frame.columns) == list(csv.columns)
    pd.testing.assert_frame_equal(frame.astype(object), csv.astype(object), check_dtype=False)
    assert extract.bad_rows == ()
