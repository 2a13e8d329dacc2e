"""The default timezone and the one check of a timezone name, shared by every layer.

Police records in England and Wales are kept in UK local time, so a dataset, a report
period or a timing rule that names no timezone reads local times as Europe/London.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/London"


def known_timezone(value: str) -> str:
    """An IANA timezone name, or ValueError naming the one that is not."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone '{value}' (use an IANA name such as {DEFAULT_TIMEZONE})"
        ) from None
    return value
