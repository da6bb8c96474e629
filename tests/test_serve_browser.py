"""``rcrp-tui serve`` in a real browser: Debian's Chromium, headless, driven by Playwright.

A floorwalker signs in on the served demo, opens the decisions (F2), pages down, opens a
review, scores one criterion and saves a draft; the draft is then read back from the
database through the services, and a screenshot is kept (the test's tmp folder and
``test-artifacts/``, which git ignores).

Textual draws in the browser on an xterm.js canvas, so there is no page text to wait for.
The test reads the screen the way the browser does: every byte the server sends on the
session's WebSocket also goes through ``pyte`` (a terminal emulator) at the size the page
asked for, and the waits look at that screen. Each wait is bounded and, when it runs out,
says what it waited for and shows the screen, the server's output and a screenshot.

No browser is downloaded: Playwright drives /usr/bin/chromium (``.ci/run`` installs it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions.queries import find_by_cad_ref
from rcrp_tui.services.reviews.lists import reviews_of_decision
from rcrp_tui.services.reviews.saving import open_review
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy
from tests.serve_helpers import CHROMIUM, FLAGS, VIEWPORT, BrowserScreen, keep, served

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: the real-browser test needs Debian's chromium package "
    "(apt-get install chromium; .ci/run installs it)",
)

DEMO_PASSWORD = "rcrp-demo-2026"


def _drafts(db: Database, cad_ref: str) -> list[Any]:
    clock = FixedClock(FIXED_NOW)
    ctx = Ctx(db, auth.sign_in(db, clock, "floorwalker1", DEMO_PASSWORD), clock)
    (decision,) = find_by_cad_ref(ctx, cad_ref)
    return [
        (summary, open_review(ctx, summary.id))
        for summary in reviews_of_decision(ctx, decision.id)
        if summary.reviewer == "Floorwalker 1" and summary.status is ReviewStatus.DRAFT
    ]


def test_a_floorwalker_saves_a_draft_review_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    path = tmp_path / "demo.db"
    demo_copy(path).dispose()
    with served(path, tmp_path) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh profile for every run
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport=VIEWPORT,
        )
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            screen = BrowserScreen(page, server, tmp_path)
            page.goto(server.url)
            screen.wait_for(r"Username", "the sign-in screen")
            screen.wait_for(r"Sign in · demo\.db", "the served app opening the demo database")
            # The keyboard goes to the terminal (xterm.js reads keys from this hidden box);
            # a click would also reach the app, as a click on whatever is under it.
            page.focus(".xterm-helper-textarea")
            # As a password manager types it: username, Tab, password, Enter.
            page.keyboard.type("floorwalker1")
            page.keyboard.press("Tab")
            page.keyboard.type(DEMO_PASSWORD)
            page.keyboard.press("Enter")
            screen.wait_for(r"Floorwalker 1 \(Floorwalker\)", "signing in as floorwalker1")
            page.keyboard.press("F2")
            screen.wait_for(r"Decisions · Floorwalker 1", "F2 opening the decisions")
            screen.wait_for(r"showing 1\u201350 of [\d,]+", "the first page of decisions")
            page.keyboard.press("PageDown")
            screen.wait_for(r"showing 51\u2013100 of [\d,]+", "PgDn showing the next page")
            page.keyboard.press("r")
            opened = screen.wait_for(
                r"Review · (CAD-[\w-]+)|already has (a review|\d+ reviews)",
                "r opening a review of the highlighted decision",
            )
            if opened.group(1) is None:  # someone reviewed it already: start our own
                page.keyboard.press("n")
            cad_ref = screen.wait_for(r"Review · (CAD-[\w-]+)", "the review screen").group(1)
            screen.wait_for(r"draft 0/(\d+) answered", "the review's criteria")
            page.keyboard.press("1")  # the first criterion: met
            screen.wait_for(r"draft 1/\d+ answered", "1 scoring the first criterion")
            page.keyboard.press("Control+s")
            screen.wait_for(r"Draft saved \(version \d+\)", "ctrl+s saving the draft")
            shot = tmp_path / "serve-browser-draft-saved.png"
            page.screenshot(path=str(shot))
            kept = keep(shot)
        finally:
            browser.close()

    assert shot.stat().st_size > 10_000 and kept.exists()
    db = Database(f"sqlite:///{path}")
    try:
        drafts = _drafts(db, cad_ref)
        assert len(drafts) == 1, f"{len(drafts)} drafts by Floorwalker 1 of {cad_ref}"
        summary, work = drafts[0]
        assert summary.answered == 1
        first = work.criteria[0].code
        answered = {code: a.answer for code, a in work.review.answers.items() if a.answer}
        assert answered == {first: Answer.MET}
    finally:
        db.dispose()
