"""The app's one waiting message: any screen's save kept waiting by another process's
write says what it waits for, then goes through."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from tests.apphelpers import make_app, seeded_database, settle, sign_in
from tests.conftest import TEST_ADMIN
from tests.import_process_helpers import hold_import, hold_write_lock

SPAWN = multiprocessing.get_context("spawn")


async def test_a_save_kept_waiting_names_the_import_it_waits_for(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    url = db.url.render_as_string(hide_password=False)
    started, release = SPAWN.Event(), SPAWN.Event()
    held = (SPAWN.Event(), SPAWN.Event())
    holder = SPAWN.Process(target=hold_write_lock, args=(url, started, release))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "admin")
        importing = SPAWN.Process(target=hold_import, args=(url, "nightly.csv", *held))
        importing.start()
        assert held[0].wait(60)
        holder.start()
        assert started.wait(60)
        # Any thread worker's write will do: the message is not the screen's own.
        app.screen.run_worker(lambda: people.add_team(app.ctx, "Team C", "2d2n4off"), thread=True)
        wanted = "Waiting for an import of nightly.csv by test-admin (started "
        for _ in range(600):
            await pilot.pause(0.05)
            if any(wanted in str(n.message) for n in app._notifications):
                break
        release.set()
        await app.workers.wait_for_complete()
        await settle(pilot)
        held[1].set()
        holder.join(60)
        importing.join(60)
    messages = [str(n.message) for n in app._notifications]
    assert any(wanted in m for m in messages), messages
    assert "Team C" in {team.name for team in people.list_teams(Ctx(db, TEST_ADMIN))}
