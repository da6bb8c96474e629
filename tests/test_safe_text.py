"""Typed and imported text is shown, never obeyed: controls, C1 and bidirectional
characters are neutralised (``domain.safe_text``), and a bracketed paste arrives whole,
in order, with its escape codes shown (``ui.common.paste_guard``)."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from rcrp_tui.domain.safe_text import is_neutral, neutralise, neutralise_paste
from rcrp_tui.ui.common.literal import literal, markup_safe, visible
from rcrp_tui.ui.common.paste_guard import PasteKeepingParser

DANGEROUS = [
    "\x1b[31m",  # ESC: an ANSI colour
    "\x07",  # BEL
    "\x7f",  # DEL
    "\x9b31m",  # U+009B: a one-character CSI
    "\x85",  # C1 next line
    "\u202e",  # right-to-left override
    "\u202a",  # left-to-right embedding
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
]


@pytest.mark.parametrize("bad", DANGEROUS, ids=[repr(b) for b in DANGEROUS])
def test_no_control_or_bidi_character_survives(bad: str) -> None:
    for single_line in (False, True):
        shown = neutralise(f"Team {bad}A", single_line=single_line)
        assert all(
            not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or ord(c) in (0x202E, 0x202A))
            for c in shown
        ), shown
        assert not any(c in shown for c in "\u202a\u202e\u2066\u2069\u200f\u061c")
        assert shown.startswith("Team ") and shown.endswith("A")
        assert not is_neutral(f"Team {bad}A", single_line=single_line)


def test_the_stand_ins_are_readable() -> None:
    assert neutralise("a\x1b[31mb") == "a\u241b[31mb"
    assert neutralise("\x9b31m") == "<U+009B>31m"
    assert neutralise("abc\u202edef") == "abc<U+202E>def"
    assert neutralise("line 1\nline 2") == "line 1\nline 2"
    assert neutralise("line 1\r\nline 2", single_line=True) == "line 1 line 2"
    assert neutralise("tab\there") == "tab\u2409here"
    assert neutralise("Zoë 名前 😀 [bold]") == "Zoë 名前 😀 [bold]"  # ordinary text as is
    assert is_neutral("Zoë 名前 😀 [bold]")


def test_the_screens_use_the_one_rule() -> None:
    text = "x\x9by\u202ez\x1b"
    assert visible(text) == neutralise(text)
    assert literal(text).plain == neutralise(text)
    assert markup_safe("[bold]\u202e") == "\\[bold]<U+202E>"


def test_a_paste_keeps_tabs_and_line_breaks_and_shows_the_rest() -> None:
    assert neutralise_paste("a\tb\r\nc\x1b[0m\u202e") == "a\tb\r\nc\u241b[0m<U+202E>"


def _tokens(parser: XTermParser, chunks: list[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for chunk in chunks:
        for token in parser.feed(chunk):
            if isinstance(token, events.Paste):
                out.append(("paste", token.text))
            elif isinstance(token, events.Key):
                out.append(("key", token.key))
    return out


PASTED = "\x1b[200~AAA \x1b[31mBBB CCC\x1b[201~"


def test_textuals_own_parser_reorders_such_a_paste() -> None:
    """The defect this guards against, as Textual 8 has it (if Textual fixes it, this
    test says the guard may go)."""
    tokens = _tokens(XTermParser(), [PASTED])
    assert tokens[-1] == ("paste", "AAA ")
    assert ("key", "circumflex_accent") in tokens


def test_a_paste_with_an_escape_code_arrives_whole_and_in_order() -> None:
    assert _tokens(PasteKeepingParser(), [PASTED + "x"]) == [
        ("paste", "AAA \u241b[31mBBB CCC"),
        ("key", "x"),
    ]


def test_the_paste_is_whole_however_the_terminal_splits_it() -> None:
    data = "ab\x1b[200~AAA \x1b[31mBBB\r\x07C\x1b[201~x\x1b[200~Z\x1b[201~"
    whole = _tokens(PasteKeepingParser(), [data])
    assert whole == [
        ("key", "a"),
        ("key", "b"),
        ("paste", "AAA \u241b[31mBBB\r\u2407C"),
        ("key", "x"),
        ("paste", "Z"),
    ]
    for cut in range(1, len(data)):
        assert _tokens(PasteKeepingParser(), [data[:cut], data[cut:]]) == whole, cut
    assert _tokens(PasteKeepingParser(), list(data)) == whole


def test_keys_outside_a_paste_are_untouched() -> None:
    keys = "\x1b[A\x1bx\x1b[1;5Cq"  # up, alt+x, ctrl+right, q
    assert _tokens(PasteKeepingParser(), [keys]) == _tokens(XTermParser(), [keys])


def test_a_long_paste_is_quoted_short_with_its_length() -> None:
    from rcrp_tui.domain.kpis import parse_day
    from rcrp_tui.domain.safe_text import quoted

    assert quoted("2026-13-01") == "'2026-13-01'"
    assert quoted("x" * 2000) == f"{'x' * 40!r}… (2,000 characters)"
    with pytest.raises(ValueError) as refused:
        parse_day("x" * 2000, "Period from")
    assert len(str(refused.value)) < 120
    with pytest.raises(ValueError, match="Period from: empty; type a date"):
        parse_day("  ", "Period from")
