"""Character-class shapes of values: ``B1 1AY`` is ``A9 9AA``, ``WM/C/0100003`` is
``AA/A/9999999``.

A shape keeps every character that is not a letter or a digit, so separators show; it
is cut at ``MAX_SHAPE`` characters (marked with ``…``), since a long free-text value's
shape says nothing more. A dominant shape can be turned into a regular expression for a
draft rule; a cut shape cannot.
"""

from __future__ import annotations

import re

import pandas as pd

MAX_SHAPE = 24
CUT = "…"
_LETTERS = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"[0-9]")


def shapes(values: pd.Series) -> pd.Series:
    """The shape of each (text) value; nulls stay null."""
    text = values.astype("string")
    cut = text.str.len() > MAX_SHAPE
    shaped = text.str.slice(0, MAX_SHAPE).str.replace(_LETTERS, "A", regex=True)
    shaped = shaped.str.replace(_DIGITS, "9", regex=True)
    return shaped.where(~cut.fillna(False), shaped + CUT)


def shape_of(value: str) -> str:
    """One value's shape (the scalar twin of ``shapes``)."""
    shaped = _DIGITS.sub("9", _LETTERS.sub("A", value[:MAX_SHAPE]))
    return shaped + CUT if len(value) > MAX_SHAPE else shaped


def shape_regex(shape: str) -> str | None:
    """A regex matching exactly the values of ``shape`` (None for a cut shape): runs of
    letters and digits become counted classes, anything else matches itself."""
    if shape.endswith(CUT) or not shape:
        return None
    parts = []
    for run in re.finditer(r"A+|9+|[^A9]+", shape):
        text = run.group(0)
        if text[0] == "A":
            parts.append("[A-Za-z]" + (f"{{{len(text)}}}" if len(text) > 1 else ""))
        elif text[0] == "9":
            parts.append("[0-9]" + (f"{{{len(text)}}}" if len(text) > 1 else ""))
        else:
            parts.append(re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text))
    return "^" + "".join(parts) + "$"
