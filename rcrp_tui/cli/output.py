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
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, cast

from rcrp_tui.domain.safe_text import terminal_text

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx


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
