"""The app shell: navigation registry, help, theme memory, worker errors, literal text."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from rcrp_tui import settings
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core.errors import NotFound
from rcrp_tui.ui.common.literal import literal, visible
from rcrp_tui.ui.decisions.browser import DecisionBrowserScreen
from rcrp_tui.ui.shell import navigation
from rcrp_tui.ui.shell.help import HelpScreen
from rcrp_tui.ui.shell.sign_in import SignInScreen
from tests.apphelpers import make_app, seeded_database, settle, sign_in, type_text


def test_every_destination_names_a_real_screen_and_a_unique_key() -> None:
    ids = [d.id for d in navigation.DESTINATIONS]
    keys = [d.key for d in navigation.DESTINATIONS]
    assert len(set(ids)) == len(ids)
    assert len(set(keys)) == len(keys)
    assert navigation.find(navigation.HOME) is not None
    for destination in navigation.DESTINATIONS:
        assert destination.load().__name__ == destination.screen.rpartition(":")[2]


def test_a_contact_officer_cannot_open_the_decision_browser() -> None:
    decisions = navigation.find("decisions")
    assert decisions is not None
    assert decisions.allows(Role.FLOORWALKER)
    assert not decisions.allows(Role.CONTACT_OFFICER)
    assert decisions not in navigation.available(Role.CONTACT_OFFICER)


def test_control_characters_become_visible_symbols() -> None:
    assert visible("a\x1b[31mb") == "a\u241b[31mb"
    assert visible("line\nnext") == "line\nnext"
    assert visible("line\nnext", single_line=True) == "line next"
    text = literal("[bold]x[/bold]")
    assert isinstance(text, Text)
    assert text.plain == "[bold]x[/bold]"
    assert text.spans == []


def test_settings_survive_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    assert settings.load(path) == settings.Settings()
    settings.save(path, settings.Settings(theme="nord"))
    assert settings.load(path).theme == "nord"


def test_config_dir_follows_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RCRP_CONFIG_DIR", str(tmp_path / "conf"))
    assert settings.default_settings_path() == tmp_path / "conf" / settings.SETTINGS_FILE


async def test_the_chosen_theme_is_remembered_across_runs(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")  # the theme picker, also "Change theme" in ctrl+p
        await settle(pilot)
        await type_text(pilot, "nord", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "nord"
    assert settings.load(tmp_path / "settings.json").theme == "nord"
    again = make_app(db, tmp_config=tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_help_lists_the_screen_keys_and_the_global_keys(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, DecisionBrowserScreen)
        await pilot.press("f1")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = {(line.scope, line.description): line for line in help_screen.lines}
        listed = {description for _scope, description in described}
        # Every binding with a description on the browser, its table and the app is listed.
        for active in browser.active_bindings.values():
            if active.binding.description:
                assert active.binding.description in listed
        assert described["This screen", "Filter"].keys == "f"
        assert described["Global", "Decisions"].keys == "f2"
        assert described["Focused item", "Last"].keys == "G / end"  # g/G: the same everywhere
        assert described["Focused item", "Older page"].keys == "pgdn"
        # "r" is offered only when a review destination exists and the role may score.
        review = navigation.find("review")
        offered = review is not None and review.allows(Role.FLOORWALKER)
        assert (("This screen", "Review") in described) == offered
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is browser


async def test_help_works_on_the_sign_in_screen(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        descriptions = {line.description for line in app.screen.lines}
        assert {"Help", "Quit"} <= descriptions
        # The focused box takes Enter itself (and signs in): help says what Enter does now.
        assert any(line.keys == "⏎" for line in app.screen.lines)
        assert "Decisions" not in descriptions  # nobody is signed in yet
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)


async def test_a_failed_background_job_becomes_a_message_not_a_crash(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")

        def refuse() -> None:
            raise NotFound("no decision with id 999 [bold]")

        def break_down() -> None:
            raise RuntimeError("disk on fire")

        app.screen.run_worker(refuse, thread=True, exit_on_error=False)
        app.screen.run_worker(break_down, thread=True, exit_on_error=False)
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any("no decision with id 999 \\[bold]" in m for m in messages)
        assert any("RuntimeError: disk on fire" in m for m in messages)
        assert app.is_running


async def test_the_command_palette_opens_a_destination(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("ctrl+o")  # sign out, then in again to show the palette works
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await sign_in(pilot, "qalead")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        first = app.screen
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "Open Decisions", paste=True)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        # Already on the decisions screen: the palette closes and nothing is stacked twice.
        assert app.screen is first


def test_each_role_lands_where_it_works() -> None:
    from rcrp_tui.domain.enums import Role
    from rcrp_tui.ui.shell import navigation

    homes = {role: navigation.home_for(role) for role in Role}
    assert {role: (h.id if h else None) for role, h in homes.items()} == {
        Role.ADMINISTRATOR: "home",
        Role.QA_LEAD: "home",
        Role.SUPERVISOR: "home",
        Role.FLOORWALKER: "home",
        Role.CONTACT_OFFICER: "home",
    }
