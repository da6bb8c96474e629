"""The development record exported as PDF: marked on every page, the same content as the
Markdown, free text outside Latin-1 never stops it; chosen from the CPD screen's dialog."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.coaching import cpd, cpd_export
from rcrp_tui.services.coaching.cpd_blocks import Items, Table
from rcrp_tui.services.coaching.cpd_export import MARKING, ExportFormat
from rcrp_tui.services.coaching.cpd_pdf import FONT, latin1, record_pdf, wrap
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.coaching.cpd import CpdScreen
from rcrp_tui.ui.coaching.export_format_dialog import ExportFormatDialog
from tests.apphelpers import make_app, settle, sign_in
from tests.coaching_helpers import build_team_scene, note_for
from tests.review_helpers import PASSWORD, build_cast

UNICODE_NOTE = "Use the “Art 2” test — calmly ✓ 😀 Ελληνικά 漢字 \x1b[31m café"


def _pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def _squeezed(text: str) -> str:
    # Wrapping in the PDF splits lines anywhere; compare without any whitespace.
    return "".join(text.split())


def test_pdf_is_marked_on_every_page_and_holds_the_record(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    build_team_scene(cast, clock)
    for n in range(12):  # enough notes to run over several pages
        note_for(cast.qa, to_develop=f"Development point {n}: {UNICODE_NOTE}")
    path = cpd_export.export_record(cast.officer, "CO-101", tmp_path, ExportFormat.PDF)
    assert path.name == "cpd-CO-101-20261126.pdf"
    pages = _pages(path)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        lines = text.strip().splitlines()
        assert lines[0] == MARKING
        assert lines[-1] == f"{MARKING} - page {number} of {len(pages)}"
    whole = _squeezed("\n".join(pages))
    for figure in ("CAD-0001", "Released", "100", "Re-read toolkit C05.", "OVERDUE", "1/1"):
        assert _squeezed(figure) in whole
    assert "CAD-NOV" not in whole  # not released to the officer: not in their record
    assert _squeezed('Use the "Art 2" test - calmly yes ? ????????') in whole
    assert "café" in whole


def test_pdf_has_the_same_content_as_the_markdown(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    build_team_scene(cast, clock)
    note_for(cast.qa, to_develop="Pipes | stay as typed " + "x" * 400)
    record = cpd.officer_record(cast.qa, "CO-101")
    reader_text = _pdf_text(record_pdf(record))
    markdown = cpd_export.record_markdown(record)
    for block in cpd_export.record_blocks(record):
        if isinstance(block, Table):
            texts = [*block.header, *(cell for row in block.rows for cell in row)]
        elif isinstance(block, Items):
            texts = list(block.items)
        else:  # a heading or a paragraph
            texts = [block.text]
        for text in texts:
            assert _squeezed(latin1(text)) in reader_text
            assert text.replace("|", "\\|") in markdown


def _pdf_text(data: bytes) -> str:
    return _squeezed("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_latin1_replaces_what_the_core_font_cannot_draw() -> None:
    assert latin1("naïve — “ok” ✓") == 'naïve - "ok" yes'
    assert latin1("😀\x07漢") == "???"


async def test_cpd_screen_exports_a_pdf_chosen_in_the_dialog(
    db: Database, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = build_cast(db, clock)
    build_team_scene(cast, clock)
    folder = tmp_path / "exports"
    monkeypatch.setenv("RCRP_EXPORT_DIR", str(folder))
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "co.101", PASSWORD)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen) and app.screen.staff_id == "CO-101"
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportFormatDialog)
        await pilot.press("escape")  # cancel: nothing written
        await settle(pilot)
        assert not folder.exists()
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "enter")  # the second choice, PDF
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen)
        await pilot.press("e", "m")
        await settle(pilot)
    assert sorted(p.name for p in folder.iterdir()) == [
        "cpd-CO-101-20261126.md",
        "cpd-CO-101-20261126.pdf",
    ]
    assert _pages(folder / "cpd-CO-101-20261126.pdf")[0].startswith(MARKING)


_WORDS = st.text(alphabet="abcdefghij WMil.-", min_size=0, max_size=600)


@settings(max_examples=60, deadline=None)
@given(text=_WORDS, width=st.floats(min_value=10, max_value=190))
def test_wrap_fits_every_line_and_loses_no_text(text: str, width: float) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font(FONT, size=10)
    lines = wrap(pdf, text, width)
    for line in lines:
        # A single character wider than the line is the only thing allowed to overflow.
        assert pdf.get_string_width(line) <= width + 1e-6 or len(line) == 1
    assert "".join("".join(lines).split()) == "".join(text.split())
