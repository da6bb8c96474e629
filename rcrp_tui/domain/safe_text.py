"""Text from the database made safe to show: control and direction characters made visible.

Stored text (a display name, a rationale, an imported field) may hold characters a terminal
acts on instead of showing: C0 controls such as ESC (``\\x1b[31m`` recolours the screen),
C1 controls such as U+009B (a one-byte "escape [") and the bidirectional controls that
reorder what follows (U+202E shows ``txt.exe`` as ``exe.txt``). ``visible`` replaces each
with a visible stand-in so the text reads as what it is: ``^[`` for ESC (caret notation for
C0 and DEL), ``<U+009B>`` for C1 and bidirectional controls. Newline, tab and a carriage
return before a newline are kept: they only lay text out.
"""

from __future__ import annotations

import re

#: The bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates
#: (U+2066-U+2069), the left-to-right and right-to-left marks and the Arabic letter mark.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)

# A carriage return ending a line (CSV's "\r\n") only lays text out; a lone one can
# overwrite the line on screen.
_UNSAFE = re.compile(
    "\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]"
)


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """``text`` with every C0/C1 control (but newline, tab and CR LF) and every bidirectional
    control replaced by a visible stand-in: ``\\x1b`` → ``^[``, U+202E → ``<U+202E>``."""
    return _UNSAFE.sub(_stand_in, text)
