"""What the command line prints passes through ``domain.safe_text.terminal_text``.

Display names, rationales, plan names and other stored text reach the terminal in
``users list``, reports, summaries and error messages. Rather than trust every ``print`` to
remember, ``visible_output`` wraps standard output and standard error while a command runs:
every C0/C1 control (but newline, tab and CR LF) and every bidirectional control is written
as a visible stand-in (``^[``, ``<U+202E>``), so no stored text can recolour, move or
reorder what the terminal shows.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, cast

from rcrp_tui.domain.safe_text import quoted, terminal_text

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx

#: The longest run of characters without a space an error message repeats in full: a
#: real path fits (two 80-column lines); a 2,000-character paste does not.
LONG_INPUT = 160

_LONG_RUN = re.compile(rf"\S{{{LONG_INPUT + 1},}}")
_QUOTES = "'\""
_OPENERS = "([<" + _QUOTES
_CLOSERS = ")]>.,;:" + _QUOTES


def _shorten_run(match: re.Match[str]) -> str:
    run = match.group()
    inner = run.lstrip(_OPENERS).rstrip(_CLOSERS)
    if not inner:
        return run
    start = run.index(inner)
    before, after = run[:start], run[start + len(inner) :]
    # quoted() puts its own quotes round what it shows: drop the message's.
    before = "".join(c for c in before if c not in _QUOTES)
    after = "".join(c for c in after if c not in _QUOTES)
    return before + quoted(inner) + after


def shortened(message: str) -> str:
    """``message`` with each run of more than ``LONG_INPUT`` characters without a space
    (a pasted path, a paste into an option) cut by ``domain.safe_text.quoted``, as the
    screens cut a paste: its first characters, quoted, and how long it was. The services
    and the import echo what was typed in their errors; this is where the command line
    shortens it, so no error floods the terminal with a paste."""
    return _LONG_RUN.sub(_shorten_run, message)


def say_error(message: str, *, kind: str = "error") -> None:
    """``error: message`` (or ``warning: ...``) on standard error, a long paste in it
    shortened (``shortened``)."""
    print(f"{kind}: {shortened(message)}", file=sys.stderr)


class VisibleStream(io.TextIOBase):
    """A text stream that writes ``terminal_text(text)`` to the stream it wraps."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(terminal_text(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")


@contextmanager
def visible_output() -> Iterator[None]:
    """Standard output and error made safe for the duration of a command."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, VisibleStream(out))
    sys.stderr = cast(TextIO, VisibleStream(err))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def say_database(ctx: Ctx) -> None:
    """On standard error: which database a report or summary comes from, and a warning
    when it holds no decisions at all (a new default database, not the demo's)."""
    from sqlalchemy.engine import make_url

    from rcrp_tui.cli.database import demo_database_url
    from rcrp_tui.services.core.database_info import holds_decisions

    print(f"Database: {ctx.db.display_name}", file=sys.stderr)
    if holds_decisions(ctx):
        return
    demo = str(make_url(demo_database_url()).database)
    hint = "" if demo == ctx.db.display_name else f" (the demo's is {demo}: add --database {demo})"
    print(
        "warning: this database holds no decisions, so every figure below is zero; "
        f"is it the one you meant?{hint}",
        file=sys.stderr,
    )
