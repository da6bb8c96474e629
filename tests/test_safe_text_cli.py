"""Stored text reaches the terminal with its control and direction characters made visible
(issue 14): ``domain.safe_text.terminal_text`` and every command's output through it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from rcrp_tui.cli.main import main
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.safe_text import BIDI_CONTROLS, terminal_text
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.models import users_table
from tests.cli_helpers import add_account, as_user

HOSTILE = "Eve\x1b[31m RED \u009b2J\u202eexe.txt\u2066x\u2069\u200f\u061c\x07\rgone"


def test_each_kind_gets_a_visible_stand_in() -> None:
    assert terminal_text("a\x1b[31mb") == "a^[[31mb"
    assert terminal_text("\u009b2J") == "<U+009B>2J"
    assert terminal_text("txt\u202eexe") == "txt<U+202E>exe"
    assert terminal_text("\x00\x07\x7f") == "^@^G^?"
    assert terminal_text("lone\rCR") == "lone^MCR"
    assert terminal_text("kept\tas\nis\r\n") == "kept\tas\nis\r\n"
    for char in ("\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"):
        assert terminal_text(char) == f"<U+{ord(char):04X}>"


@given(st.text())
def test_nothing_unsafe_survives(text: str) -> None:
    shown = terminal_text(text)
    for char in shown:
        code = ord(char)
        assert char in "\t\n\r" or not (code < 0x20 or 0x7F <= code <= 0x9F)
        assert ord(char) not in BIDI_CONTROLS
    assert "\r" not in shown.replace("\r\n", "")


def test_users_list_shows_escape_codes_as_text(
    admin_ctx: Ctx, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(admin_ctx.db.url.database)
    add_account(admin_ctx, "ada", Role.ADMINISTRATOR)
    add_account(admin_ctx, "eve", Role.FLOORWALKER)
    # As an older version or a direct database edit could have stored it.
    with admin_ctx.db.write() as session:
        session.execute(
            update(users_table).where(users_table.c.username == "eve").values(display_name=HOSTILE)
        )
    assert main(["users", "list", "--database", database, *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert "Eve^[[31m RED <U+009B>2J<U+202E>exe.txt<U+2066>x<U+2069><U+200F><U+061C>^G^Mgone" in out
    assert not any(c in out for c in "\x1b\u009b\u202e\u2066\u200f\u061c\x07\r")
