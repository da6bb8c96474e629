"""Time-zone names typed by a person (an import profile, ``rota create --time-zone``).

``ZoneInfo`` raises several different errors for a name that is not a zone: not found,
a malformed key, and, for a folder of the zone database such as ``America``, an
``IsADirectoryError`` from the file system. :func:`parse_zone` turns every one of them
into a ``ValueError`` whose message names the value, so no caller shows a traceback.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Two examples for messages, in the words a person would type.
EXAMPLES = "such as Europe/London or America/Los_Angeles"


def parse_zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (an IANA name), or ``ValueError`` naming the value."""
    if not name:
        raise ValueError(f"a time-zone name is needed, {EXAMPLES}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: "America" is a folder of the zone database, not a zone.
        raise ValueError(f"{name!r} is not a time-zone name {EXAMPLES}") from None
