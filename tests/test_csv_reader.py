"""The CSV reader: values unchanged, physical line numbers, and clear errors on bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from dqaudit.connectors.csv_file import read_csv
from dqaudit.errors import InputError
from tests.conftest import realdata


def write(tmp_path: Path, text: str | bytes, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_every_cell_is_text_and_only_empty_is_null(tmp_path: Path) -> None:
    extract = read_csv(write(tmp_path, "ref,code,v\n007,NA,NULL\n008,n/a,\n"))
    frame = extract.frame
    assert frame["ref"].tolist() == ["007", "008"]
    assert frame["code"].tolist() == ["NA", "n/a"]
    assert frame["v"].iloc[0] == "NULL"
    assert frame["v"].isna().tolist() == [False, True]
    assert extract.line_numbers.tolist() == [2, 3]


def test_fingerprint_hashes_the_file_bytes(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path, "a,b\n1,2\n")
    fingerprint = read_csv(path).fingerprint
    assert fingerprint.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (fingerprint.rows, fingerprint.columns, fingerprint.source) == (1, ["a", "b"], str(path))


def test_quoted_newlines_keep_the_line_where_each_record_starts(tmp_path: Path) -> None:
    text = 'ref,note\nA,"two\nlines"\nB,plain\n\nC,"x, y"\n'
    extract = read_csv(write(tmp_path, text))
    assert extract.frame["note"].tolist() == ["two\nlines", "plain", "x, y"]
    assert extract.line_numbers.tolist() == [2, 4, 6]


def test_blank_lines_and_crlf_are_counted_as_physical_lines(tmp_path: Path) -> None:
    extract = read_csv(write(tmp_path, "ref,v\r\nA,1\r\n\r\nB,2\r\nC,3"))
    assert extract.frame["ref"].tolist() == ["A", "B", "C"]
    assert extract.frame["v"].tolist() == ["1", "2", "3"]
    assert extract.line_numbers.tolist() == [2, 4, 5]


@pytest.mark.parametrize(
    "text, line, fields",
    [
        ("a,b,c\n1,2,3\n4,5\n", 3, 2),
        ("a,b,c\n1,2,3\n4,5,6,7\n", 3, 4),
        ('a,b,c\n"1",2,3\n4,"5,5"\n', 3, 2),
    ],
)
def test_ragged_rows_are_errors_naming_the_line(
    tmp_path: Path, text: str, line: int, fields: int
) -> None:
    with pytest.raises(InputError, match=rf"line {line} has {fields} fields but the header has 3"):
        read_csv(write(tmp_path, text))


@pytest.mark.parametrize(
    "raw, encoding",
    [
        ("ref,name\n1,Zoë Ólafsdóttir\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "ref,name\n1,Zoë Ólafsdóttir\n".encode(), "utf-8-sig"),
        ("ref,name\n1,Zoë Ólafsdóttir\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, raw: bytes, encoding: str) -> None:
    extract = read_csv(write(tmp_path, raw))
    assert list(extract.frame.columns) == ["ref", "name"]
    assert extract.frame["name"].iloc[0] == "Zoë Ólafsdóttir"


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ref,name\n1,ok\n2,Zoë\n".encode("cp1252"))
    with pytest.raises(InputError, match="line 3 is not valid utf-8"):
        read_csv(path, encoding="utf-8")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("a,b\n", "has a header row but no records"),
        ("a,,c\n1,2,3\n", "column 2 of the header is blank"),
        ("a,b,a\n1,2,3\n", "column 'a' appears twice"),
        ('a,b\n"1,2\n', "malformed CSV"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_csv(write(tmp_path, text))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_csv(tmp_path)


def test_police_uk_street_file_loads() -> None:
    path = realdata("policeuk_nilips70-city-of-london", "2019-01-city-of-london-street.csv")
    extract = read_csv(path)
    assert extract.fingerprint.rows == 617
    assert extract.frame.columns[0] == "Crime ID"
    asb = extract.frame["Crime type"] == "Anti-social behaviour"
    assert int(asb.sum()) == 93
    assert extract.frame.loc[asb, "Crime ID"].isna().all()
    assert extract.frame["Longitude"].iloc[0] == "-0.112422"  # text, not a float


def test_real_file_with_a_ragged_last_row_names_its_line() -> None:
    path = realdata("policeuk_LucianRadulescu-testsamples", "2018-01-avon-and-somerset-street.csv")
    with pytest.raises(InputError, match=r"line 7 has 11 fields but the header has 12"):
        read_csv(path)


def test_headerless_code_point_open_file_loads_with_given_columns() -> None:
    headers = realdata("codepoint-open_open-postcode", "Code-Point_Open_Column_Headers.csv")
    columns = headers.read_text().splitlines()[0].split(",")
    extract = read_csv(
        realdata("codepoint-open_open-postcode", "wv.csv"), header=False, columns=columns
    )
    assert extract.fingerprint.rows == 9932
    assert list(extract.frame.columns) == columns
    assert extract.frame["PC"].iloc[0].startswith("WV1")
    assert extract.line_numbers[0] == 1  # no header: the first record is line 1


def test_headerless_file_with_the_wrong_number_of_names_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,3\n4,5,6\n")
    with pytest.raises(InputError, match="2 column names given for 3 fields per record"):
        read_csv(path, header=False, columns=["a", "b"])
    quoted = write(tmp_path, '"1",2,3\n4,5,6\n', "quoted.csv")
    with pytest.raises(InputError, match="2 column names given for 3 fields per record"):
        read_csv(quoted, header=False, columns=["a", "b"])
    assert read_csv(path, header=False, columns=["a", "b", "c"]).line_numbers.tolist() == [1, 2]


def test_utf16_is_named_not_read_as_ragged_windows_1252(tmp_path: Path) -> None:
    path = write(tmp_path, "ref,name\n1,Zoë\n".encode("utf-16"))
    with pytest.raises(InputError, match="looks like UTF-16"):
        read_csv(path)
