"""Text from people and imported files, made safe to show on a terminal.

A display name, a rationale or a pasted note can hold characters a terminal acts on
instead of showing: C0 controls (ESC starts an escape sequence, BEL rings), DEL, C1
controls (U+0080 to U+009F; U+009B is a one-character CSI that some terminals obey), and
the bidirectional formatting characters that reorder what is shown around them (U+202A to
U+202E, U+2066 to U+2069, U+200E/U+200F, U+061C). ``neutralise`` replaces each with a
visible stand-in, so the text reads exactly as stored and nothing reaches the terminal as
a command. The screens (``ui.common.literal``) use ``neutralise``; the command line uses
``terminal_text``, which writes only ASCII stand-ins (logs and terminals without the control
pictures' glyphs still read them).

- ``neutralise``: C0 controls and DEL become their Unicode "control picture" (ESC is shown
  as ␛); a newline is kept unless ``single_line`` (then it and ``\\r\\n`` become a space).
- ``terminal_text``: C0 controls and DEL in caret notation (ESC is ``^[``); newline, tab and a
  carriage return before a newline are kept, as they only lay text out.
- Both: C1 controls and the bidirectional characters become ``<U+009B>``-style codes.
"""

from __future__ import annotations

import re

#: Bidirectional formatting characters: embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])

_PICTURES: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
for _code in [*range(0x80, 0xA0), *BIDI_CONTROLS]:
    _PICTURES[_code] = f"<U+{_code:04X}>"

_MULTI_LINE = {k: v for k, v in _PICTURES.items() if k != 0x0A}
_SINGLE_LINE = dict(_PICTURES)
#: A paste keeps its line breaks (terminals send them as CR) and tabs.
_PASTED = {k: v for k, v in _PICTURES.items() if k not in (0x09, 0x0A, 0x0D)}


def neutralise(value: str, *, single_line: bool = False) -> str:
    """``value`` with every control and bidirectional character replaced by a visible
    stand-in (see the module's docstring); ordinary text is unchanged."""
    if single_line:
        value = value.replace("\r\n", " ").replace("\n", " ")
        return value.translate(_SINGLE_LINE)
    return value.translate(_MULTI_LINE)


def is_neutral(value: str, *, single_line: bool = False) -> bool:
    """True when ``neutralise`` would leave ``value`` unchanged."""
    return neutralise(value, single_line=single_line) == value


def neutralise_paste(value: str) -> str:
    """Pasted text with controls made visible, keeping tabs and line breaks (CR or LF)
    for the box it goes into."""
    return value.translate(_PASTED)


# A carriage return ending a line (CSV's "\r\n") only lays text out; a lone one can
# overwrite the line on screen.
_UNSAFE = re.compile(
    "\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f"
    + "".join(chr(c) for c in sorted(BIDI_CONTROLS))
    + "]"
)


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def terminal_text(text: str) -> str:
    """``text`` with every C0/C1 control (but newline, tab and CR LF) and every bidirectional
    control replaced by a visible stand-in: ``\\x1b`` → ``^[``, U+202E → ``<U+202E>``."""
    return _UNSAFE.sub(_stand_in, text)


#: How much of what someone typed a message repeats before it says how long the rest was.
QUOTE_LIMIT = 40


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` in quotes for a message about it, cut to ``limit`` characters with its
    length said, so a long paste cannot push a dialog's buttons off the screen. The box
    keeps the whole text; only the message is shorter."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"
