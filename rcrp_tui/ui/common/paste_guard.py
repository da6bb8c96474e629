"""Keep a bracketed paste in one piece, in order, with its control characters shown.

Textual's terminal parser reads an ESC inside a bracketed paste as the start of an escape
sequence: it sends those characters as separate key presses at once and the rest of the
paste only when the paste ends, so ``AAA \\x1b[31mBBB CCC`` arrived as ``^[31mBBB CCC`` and
then ``AAA``. ``PasteKeepingParser`` replaces each control character between the paste's
start and end markers with its visible stand-in (``domain.safe_text.neutralise_paste``:
ESC becomes ␛) before Textual parses it, so the paste is one ``Paste`` event, in order,
and no escape sequence from a clipboard reaches a text box or the terminal.

``install`` makes the terminal driver use this parser; the app calls it once at start.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._xterm_parser import XTermParser
from textual.message import Message

from rcrp_tui.domain.safe_text import neutralise_paste

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


class PasteNeutraliser:
    """Rewrites terminal input chunk by chunk: text between the paste markers is
    neutralised; everything else passes through unchanged and is never held back (a
    start marker split across two reads is recognised from the characters already
    passed on)."""

    def __init__(self) -> None:
        self.in_paste = False
        self._held = ""  # the start of an end marker split across two reads
        self._recent = ""  # the last characters passed on outside a paste

    def __call__(self, data: str) -> str:
        if not data:  # end of input
            held, self._held = self._held, ""
            return held
        text, self._held = self._held + data, ""
        out: list[str] = []
        position = 0
        while position < len(text):
            if not self.in_paste:
                # Look for the start marker, including one begun in the last read.
                lead = self._recent if position == 0 else ""
                found = (lead + text[position:]).find(PASTE_START)
                if found < 0:
                    out.append(text[position:])
                    self._recent = (lead + text[position:])[-(len(PASTE_START) - 1) :]
                    break
                after = position + found - len(lead) + len(PASTE_START)
                out.append(text[position:after])
                position = after
                self.in_paste = True
                self._recent = ""
                continue
            end = text.find(PASTE_END, position)
            if end < 0:
                body = text[position:]
                for size in range(min(len(PASTE_END) - 1, len(body)), 0, -1):
                    if body.endswith(PASTE_END[:size]):
                        self._held = body[-size:]
                        body = body[:-size]
                        break
                out.append(neutralise_paste(body))
                break
            out.append(neutralise_paste(text[position:end]) + PASTE_END)
            position = end + len(PASTE_END)
            self.in_paste = False
        return "".join(out)


class PasteKeepingParser(XTermParser):
    """Textual's parser, fed through a ``PasteNeutraliser``."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._neutraliser = PasteNeutraliser()

    def feed(self, data: str) -> Iterable[Message]:
        if not data:
            held = self._neutraliser("")
            if held:
                yield from super().feed(held)
            yield from super().feed("")
            return
        rewritten = self._neutraliser(data)
        if rewritten:
            yield from super().feed(rewritten)


def install() -> None:
    """Make Textual's terminal drivers read input with ``PasteKeepingParser``."""
    import importlib

    for name in ("textual.drivers.linux_driver", "textual.drivers.linux_inline_driver"):
        try:
            module = importlib.import_module(name)
        except ImportError:  # another platform's driver
            continue
        if getattr(module, "XTermParser", None) is XTermParser:
            module.XTermParser = PasteKeepingParser  # type: ignore[attr-defined]
