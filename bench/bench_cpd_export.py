"""Benchmark: rendering one officer's development record as Markdown and as PDF.

Builds a record in memory at the size ``cpd.officer_record`` returns at most (24 reviews,
six monthly trends for 24 criteria) with ``--notes`` coaching notes whose free text is a
full 2,000 characters each (some of it outside Latin-1), then times
``cpd_export.record_markdown`` and ``cpd_pdf.record_pdf`` and prints the PDF's size and
page count. No database: this measures the rendering alone. Run:
``python bench/bench_cpd_export.py [--notes N] [--runs R]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader

from rcrp_tui.domain.coaching import NoteStatus, Theme, Visibility
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.services.coaching.cpd import REVIEW_LIMIT, CriterionTrend, OfficerRecord, ReviewPoint
from rcrp_tui.services.coaching.cpd_export import record_markdown
from rcrp_tui.services.coaching.cpd_pdf import record_pdf
from rcrp_tui.services.coaching.notes import CoachingNoteView

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
TEXT = ("Asked about risk to life before deciding — “good”; café ✓ 漢字. " * 40)[:2000]


def record(notes: int) -> OfficerRecord:
    reviews = tuple(
        ReviewPoint(
            review_id=n,
            cad_ref=f"CAD-{n:06d}",
            submitted_at=NOW - timedelta(days=n * 7),
            status=ReviewStatus.RELEASED,
            score=80.0 + n % 20,
            passed=n % 5 != 0,
            judgement=Judgement.APPROPRIATE,
        )
        for n in range(REVIEW_LIMIT)
    )
    trends = tuple(
        CriterionTrend(f"C{n:02d}", tuple((m, n % 3, 3) for m in MONTHS)) for n in range(1, 25)
    )
    views = tuple(
        CoachingNoteView(
            id=n,
            staff_id="CO-101",
            contact_officer_id=1,
            team_id=1,
            review_id=None,
            criteria=("C05",),
            theme=Theme.GUIDELINES,
            went_well=TEXT,
            to_develop=TEXT,
            agreed_actions=TEXT,
            follow_up_on=date(2026, 12, 1),
            visibility=Visibility.NORMAL,
            status=NoteStatus.OPEN,
            author_user_id=1,
            author="QA Lead",
            created_at=NOW - timedelta(days=n),
            acknowledged_at=None,
            acknowledgement_comment=None,
            follow_up_done_at=None,
            closed_at=None,
            row_version=1,
            overdue=False,
        )
        for n in range(notes)
    )
    return OfficerRecord("CO-101", "Team A", MONTHS, reviews, trends, views, views, NOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rec = record(args.notes)
    for name, render in (("record_markdown", record_markdown), ("record_pdf", record_pdf)):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            out = render(rec)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name:<16} notes={args.notes:<4} median {statistics.median(times):8.1f} ms")
    data = record_pdf(rec)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"PDF: {len(data) / 1024:.0f} KiB, {pages} pages, {len(out)} bytes last render")


if __name__ == "__main__":
    main()
