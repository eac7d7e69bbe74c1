"""The one reader of numbers and names in the CSV tables of ``inputs/``.

Validation (:mod:`energy_model.data.validation`) and loading (:mod:`energy_model.data.loading`)
read every cell through these functions, so a cell that validates loads to the same value.

* A number is ASCII decimal only: optional sign, digits with an optional decimal point, an
  optional exponent (``1.5``, ``-3``, ``2e-4``), optionally surrounded by ASCII spaces. Python's
  ``float``/``int`` also accept a no-break space, Arabic-Indic or full-width digits and ``20_00``;
  ``pd.to_numeric`` turns the same cells into NaN without a word. Neither is used.
* ``nan``, ``inf`` and ``infinity`` (any case, optional sign) are read as such, so that
  validation can say "not a finite number"; loading never sees them.
* A name or code is stripped of ASCII spaces and tabs at both ends (once, on reading: validation,
  loading and the stresses and options applied later see the same text); any other white space
  at either end (a no-break space, a zero-width space) is refused by validation.
"""

from __future__ import annotations

import math
import re

import pandas as pd

__all__ = ["ASCII_SPACE", "is_clean_text", "numeric_column", "parse_number", "parse_whole",
           "strip_text"]

ASCII_SPACE: str = " \t"
"""The characters stripped from both ends of every cell."""

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "infinity": math.inf}


def strip_text(text: str) -> str:
    """Return ``text`` without ASCII spaces and tabs at its ends."""
    return text.strip(ASCII_SPACE)


def is_clean_text(text: str) -> bool:
    """Whether ``text`` (already stripped of ASCII spaces) has no other white space at its ends.

    >>> is_clean_text("RU"), is_clean_text("RU\\u00a0")
    (True, False)
    """
    return text == text.strip()


def parse_number(text: str) -> float:
    """Return the number written in ``text``; raise ``ValueError`` unless it is ASCII decimal.

    >>> parse_number(" 2.5e3 ")
    2500.0
    >>> parse_number("-inf")
    -inf
    >>> parse_number("20_00")
    Traceback (most recent call last):
    ...
    ValueError: '20_00' is not an ASCII decimal number
    """
    s = strip_text(str(text))
    if _DECIMAL.fullmatch(s):
        return float(s)
    sign, word = (-1.0, s[1:]) if s[:1] == "-" else (1.0, s.removeprefix("+"))
    if word.lower() in _NON_FINITE:
        return sign * _NON_FINITE[word.lower()]
    raise ValueError(f"{text!r} is not an ASCII decimal number")


def parse_whole(text: str) -> int:
    """Return the whole number written in ``text`` (ASCII digits, optional sign).

    >>> parse_whole("2030")
    2030
    >>> parse_whole("2030.0")
    Traceback (most recent call last):
    ...
    ValueError: '2030.0' is not an ASCII whole number
    """
    s = strip_text(str(text))
    if _WHOLE.fullmatch(s):
        return int(s)
    raise ValueError(f"{text!r} is not an ASCII whole number")


def numeric_column(column: pd.Series) -> pd.Series:
    """Return ``column`` (strings) as floats read by :func:`parse_number`.

    Empty cells and cells that are not numbers become NaN: for rules across tables, which run
    after (and besides) the cell checks that report such cells.
    """

    def read(text: object) -> float:
        try:
            return parse_number(str(text)) if str(text) != "" else math.nan
        except ValueError:
            return math.nan

    return column.map(read).astype(float)
