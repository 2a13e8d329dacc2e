"""The fast read of a CSV file without quote characters: pyarrow's parser, text only.

Why: pandas' C parser builds a Python string per cell and then copies them into
pyarrow-backed ``str`` columns; pyarrow's own parser reads straight into those columns,
on every core, and releases the GIL (so GX's import can run meanwhile). It is used
only where its reading provably equals pandas' (``dtype=str``, only an empty cell null,
blank lines skipped, a BOM dropped): a file without quote characters, read with every
column typed as text. Anything it refuses (a short or long row, a line pandas and it
might split differently) returns None, and the caller reads the file with pandas as
before, so the errors and bad-row handling stay pandas' and the scanner's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# pandas 3's default text dtype (``str``): pyarrow storage, a missing value is NaN.
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
_BLOCK_BYTES = 1 << 24


def read_plain_text(
    path: Path, encoding: str, delimiter: str, header: bool, first: list[str], names: list[str]
) -> pd.DataFrame | None:
    """The records of ``path`` as text columns named ``names``, or None where pyarrow
    cannot be trusted to read them as pandas would (the caller then uses pandas).

    ``first`` is the file's first non-blank line split at the delimiter (the header when
    ``header``); it fixes how many fields every record has.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if len(first) != len(names) or len(names) < 2 or delimiter in "\r\n":
        # pandas skips a line of only spaces as blank, pyarrow reads it as a value: with
        # two or more columns such a line is a short row, which pyarrow refuses.
        return None
    # pyarrow drops a UTF-8 byte-order mark itself; other encodings are transcoded.
    arrow_encoding = "utf8" if encoding.replace("_", "-").lower() in _UTF8 else encoding
    # With a header pyarrow reads it itself (it skips leading blank lines, which its
    # skip_rows would count); its names must then be exactly the first line's fields.
    placeholder = list(first) if header else [f"f{i}" for i in range(len(names))]
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                column_names=None if header else placeholder,
                encoding=arrow_encoding,
                block_size=_BLOCK_BYTES,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in placeholder},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, LookupError, UnicodeError):
        return None
    if table.column_names != placeholder or not all(
        pa.types.is_string(t) or pa.types.is_large_string(t) for t in table.schema.types
    ):
        return None
    frame = table.to_pandas(types_mapper=_text_types, split_blocks=True, self_destruct=True)
    frame.columns = pd.Index(names)  # str dtype, as pandas names them
    return frame


_UTF8 = {"utf-8", "utf8", "utf-8-sig", "utf8-sig"}


def _text_types(arrow_type: object) -> pd.api.extensions.ExtensionDtype | None:
    import pyarrow as pa

    if arrow_type in (pa.string(), pa.large_string()):
        return TEXT_DTYPE
    return None
