"""Code lists as data files: each names its source, and a rule names the list it checks.

A ``code_list`` is either the name of a built-in list (a YAML file in ``codelists/``) or a
path to a force's own YAML or CSV file, so a local table can replace an illustrative one
without touching code. CSV files take their codes from a ``code`` column, or the first.

A YAML list must name its ``source``; the built-in ones also give ``publisher``,
``edition`` and ``url``, and say ``public: false`` when the list is not published (the
PNC disposal table), so ``dqaudit rules list`` can show where every code comes from.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dqaudit.errors import InputError
from dqaudit.workspace.yaml_input import parse_yaml

BUILTIN_DIR = Path(__file__).resolve().parent / "codelists"
FILE_SUFFIXES = (".yml", ".yaml", ".csv")


@dataclass(frozen=True)
class CodeList:
    name: str
    title: str
    source: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    publisher: str = ""
    edition: str = ""
    url: str = ""
    public: bool = True


def builtin_names() -> list[str]:
    return sorted(path.stem for path in BUILTIN_DIR.glob("*.yml"))


def is_file_reference(value: str) -> bool:
    """Whether a ``code_list`` value names a file rather than a built-in list."""
    return value.lower().endswith(FILE_SUFFIXES)


def load(reference: str) -> CodeList:
    """The code list a rule names; unknown names and malformed files are InputErrors."""
    if is_file_reference(reference):
        return _load_file(str(Path(reference).resolve()))
    path = BUILTIN_DIR / f"{reference}.yml"
    if not path.is_file():
        raise InputError(
            f"unknown code list '{reference}'; built-in lists: {', '.join(builtin_names())} "
            "(or give the path of a .yml or .csv file)"
        )
    return _load_file(str(path))


CODE_LIST_MAX_BYTES = 16 * 1024 * 1024


@cache
def _load_file(path: str) -> CodeList:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"code list file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read code list {file}: {exc}") from None
    if file.suffix.lower() == ".csv":
        return _from_csv(file, text)
    return _from_yaml(file, text)


def _from_yaml(file: Path, text: str) -> CodeList:
    # bounded like every user YAML file (aliases, size); code lists may be long
    document = parse_yaml(text, file, max_bytes=CODE_LIST_MAX_BYTES).data
    if not isinstance(document, dict) or not isinstance(document.get("codes"), list):
        raise InputError(f"{file}: a code list needs 'source' and a list of 'codes'")
    if not str(document.get("source") or "").strip():
        raise InputError(f"{file}: a code list must name its 'source'")
    codes, labels = [], []
    for number, entry in enumerate(document["codes"], start=1):
        code = entry.get("code") if isinstance(entry, dict) else entry
        if code is None or isinstance(code, bool | float) or not str(code).strip():
            raise InputError(f"{file}: codes entry #{number} has no usable 'code' (quote it)")
        codes.append(str(code))
        labels.append(str(entry.get("label", "")) if isinstance(entry, dict) else "")
    _no_repeats(file, codes)
    return CodeList(
        name=str(document.get("name") or file.stem),
        title=str(document.get("title") or file.stem),
        source=str(document["source"]).strip(),
        codes=tuple(codes),
        labels=tuple(labels),
        publisher=str(document.get("publisher") or "").strip(),
        edition=str(document.get("edition") or "").strip(),
        url=str(document.get("url") or "").strip(),
        public=document.get("public", True) is not False,
    )


def _from_csv(file: Path, text: str) -> CodeList:
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2:
        raise InputError(f"{file}: a CSV code list needs a header and at least one code")
    header = [h.strip().lower() for h in rows[0]]
    column = header.index("code") if "code" in header else 0
    label = header.index("label") if "label" in header else None
    codes = [row[column] for row in rows[1:] if len(row) > column and row[column] != ""]
    labels = [row[label] if label is not None and len(row) > label else "" for row in rows[1:]]
    _no_repeats(file, codes)
    return CodeList(file.stem, file.stem, str(file), tuple(codes), tuple(labels[: len(codes)]))


def _no_repeats(file: Path, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise InputError(f"{file}: code '{code}' is listed twice")
        seen.add(code)
