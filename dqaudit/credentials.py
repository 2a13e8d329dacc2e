"""Database URLs and messages without their passwords: the one place credentials are masked.

A URL may be shown in a message, a log line, a fingerprint or a stored run only through
``safe_url``; a driver's message only through ``scrub``. Both live at the bottom of the
layers so that connectors, the store and the CLI mask the same way.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"


def safe_url(url: str | URL) -> str:
    """The URL as it may be shown or logged: never with its password."""
    masked = re.sub(r"(//[^:/@]*:).*@", rf"\1{MASK}@", str(url))  # up to the LAST "@"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return masked
    if "@" in (parsed.host or ""):  # an unescaped "@" in the password fooled the parser
        return masked
    return parsed.render_as_string(hide_password=True)


def url_password(url: str | URL) -> str | None:
    """The password a URL carries, if it can be read (for scrubbing messages)."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        match = re.search(r"//[^:/@]*:(.*)@", str(url))
        return match.group(1) if match else None
    return str(password) if password else None


def scrub(text: str, password: str | None, *also: str) -> str:
    """``text`` with the password (raw and URL-quoted) and any of ``also`` masked."""
    if not text:
        return text
    for secret in also:
        if secret:
            text = text.replace(secret, MASK)
    if password:
        text = text.replace(password, MASK)
        text = text.replace(quote(password, safe=""), MASK)
    return text
