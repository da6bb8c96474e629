"""One source for every key: bindings, palette, help, dialog hints and the user's keymap."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Button

from rcrp_tui import keymap
from rcrp_tui.domain.enums import Role
from rcrp_tui.ui.common import keys
from rcrp_tui.ui.common.keys import KeyHints, class_bindings, live_actions
from rcrp_tui.ui.decisions.browser import DecisionBrowserScreen
from rcrp_tui.ui.decisions.filter_dialog import FilterDialog
from rcrp_tui.ui.sampling.plan_dialog import PlanDialog
from rcrp_tui.ui.shell import navigation
from rcrp_tui.ui.shell.app import RcrpApp
from rcrp_tui.ui.shell.catalogue import catalogue, ui_classes
from rcrp_tui.ui.shell.help import HelpScreen
from tests.apphelpers import make_app, seeded_database, settle, sign_in

ROOT = Path(__file__).resolve().parent.parent / "rcrp_tui"

#: Keys with one meaning on every screen: the key -> the one action id it may have.
SHARED = {
    "j": keys.LIST_DOWN,
    "k": keys.LIST_UP,
    "g": keys.LIST_FIRST,
    "G": keys.LIST_LAST,
    "pagedown": keys.PAGE_DOWN,
    "pageup": keys.PAGE_UP,
    "ctrl+r": keys.REFRESH,
}


# ----- the declarations -------------------------------------------------------------------


def test_every_binding_has_an_id_and_a_description() -> None:
    missing = [
        f"{cls.__name__}: {b.key} -> {b.action}"
        for cls in ui_classes(RcrpApp)
        for b in class_bindings(cls)
        if not b.id or not b.description
    ]
    assert missing == []


def _clashes(actions: dict[str, keymap.Action]) -> list[str]:
    """Keys bound to two different action ids in one place (a screen, or a screen + Global)."""
    by_scope: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for action in actions.values():
        for scope in action.scopes:
            for key in action.keys:
                by_scope[scope][key].add(action.id)
    clashes = []
    for scope, key_ids in by_scope.items():
        for key, ids in key_ids.items():
            both = ids | (by_scope["Global"].get(key, set()) if scope != "Global" else set())
            declared = {i for i in both if (i, key) in keys.ALLOWED_CLASHES}
            if len(both) > 1 and len(both - declared) > 1:
                clashes.append(f"{scope}: {key} -> {sorted(both)}")
    return clashes


def test_no_key_means_two_things_in_one_place() -> None:
    assert _clashes(catalogue(RcrpApp)) == []


def test_the_clash_check_sees_a_clash() -> None:
    actions = dict(catalogue(RcrpApp))
    actions["x.extra"] = keymap.Action("x.extra", ("f",), "Extra", ("Somewhere",))
    actions["x.other"] = keymap.Action("x.other", ("f",), "Other", ("Somewhere",))
    actions["x.help"] = keymap.Action("x.help", ("f1",), "Mine", ("Elsewhere",))
    assert _clashes(actions) == [
        "Somewhere: f -> ['x.extra', 'x.other']",
        "Elsewhere: f1 -> ['app.help', 'x.help']",
    ]


def test_shared_keys_have_one_meaning_on_every_screen() -> None:
    wrong = []
    for cls in ui_classes(RcrpApp):
        for binding in class_bindings(cls):
            wanted = SHARED.get(binding.key)
            if wanted is not None and binding.id != wanted:
                wrong.append(f"{cls.__name__}: {binding.key} is {binding.id}, not {wanted}")
            # r reviews wherever it is bound; release is u wherever it is offered.
            if binding.key == "r" and binding.description != "Review":
                wrong.append(f"{cls.__name__}: r means {binding.description!r}")
            if binding.description == "Release" and binding.key != "u":
                wrong.append(f"{cls.__name__}: release is {binding.key}")
    assert wrong == []


def test_the_plan_dialog_no_longer_saves_on_ctrl_r() -> None:
    plan = {b.key: b.id for b in class_bindings(PlanDialog)}
    assert plan.get("ctrl+r") is None
    assert plan["f10"] == "plan-dialog.draw"
    assert plan["ctrl+s"] == "plan-dialog.save"


def test_dialog_key_lines_are_never_written_by_hand() -> None:
    """A dialog's key line is a KeyHints: no Static spells out "Esc cancel" any more."""
    hand_written = re.compile(
        r"(Esc|escape) (cancel|close|discard|refuse|no)\b|ctrl\+s (save|apply)"
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "screens").glob("*.py"))
        + sorted((ROOT / "widgets").glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "Static(" in line and hand_written.search(line)
    ]
    assert offenders == []


# ----- the keymap file --------------------------------------------------------------------


def _load(tmp_path: Path, text: str) -> keymap.UserKeymap:
    path = tmp_path / "keymap.toml"
    path.write_text(text, encoding="utf-8")
    return keymap.load(path, catalogue(RcrpApp))


def test_a_keymap_remaps_by_id_in_either_spelling(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        '# mine\n"decisions.filter" = "ctrl+f"\nrota.prev = "["\n[review]\nrelease = "ctrl+u"\n',
    )
    assert result.problems == []
    assert result.keys == {
        "decisions.filter": "ctrl+f",
        "rota.prev": "left_square_bracket",
        "review.release": "ctrl+u",
    }


def test_each_bad_entry_is_named_with_its_line_and_ignored(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        "\n".join(
            [
                "# my keys",
                '"decisions.filter" = "ctrl+f"',  # 2: fine
                '"no.such.action" = "x"',  # 3: unknown id
                '"decisions.review" = "ctrl+bogus"',  # 4: not a key
                '"decisions.search" = "c"',  # 5: c clears the filters there
                '"kpis.export" = 5',  # 6: not text
                '"app.help" = "ctrl+q"',  # 7: kept for the app
            ]
        ),
    )
    assert result.keys == {"decisions.filter": "ctrl+f"}
    lines = {p.line: p for p in result.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "no action has the id 'no.such.action'" in lines[3].reason
    assert "'ctrl+bogus' is not a key name" in lines[4].reason
    assert "c already means 'Clear' (decisions.clear)" in lines[5].reason
    assert "must be text" in lines[6].reason
    assert "kept for the app" in lines[7].reason
    text = str(lines[3])
    assert text.startswith(f"{tmp_path / 'keymap.toml'}, line 3:")
    assert '`"no.such.action" = "x"`' in text and text.endswith("ignored.")


def test_a_keymap_that_is_not_toml_is_ignored_whole(tmp_path: Path) -> None:
    result = _load(tmp_path, '"decisions.filter" = "ctrl+f"\n"decisions.review" = = "x"\n')
    assert result.keys == {}
    [problem] = result.problems
    assert problem.line == 2 and "not valid TOML" in problem.reason


def test_moving_a_key_frees_it_for_another_action(tmp_path: Path) -> None:
    # c clears the filters; moving Clear to x first lets Search take c.
    result = _load(tmp_path, '"decisions.clear" = "x"\n"decisions.search" = "c"\n')
    assert result.problems == []
    assert result.keys == {"decisions.clear": "x", "decisions.search": "c"}


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("r", True),
        ("G", True),
        ("ctrl+r", True),
        ("f10", True),
        ("pagedown", True),
        ("left_square_bracket", True),
        ("shift+tab", True),
        ("ctrl+bogus", False),
        ("hyperspace", False),
        ("ctrl+", False),
        ("", False),
        ("ctrl+ctrl+a", False),
    ],
)
def test_key_names(key: str, ok: bool) -> None:
    assert keymap.valid_key(key) is ok


# ----- in the running app -----------------------------------------------------------------


async def _palette_titles(app: RcrpApp, pilot: object) -> list[str]:
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    options = palette.query_one(CommandList)
    titles = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    await pilot.press("escape")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return titles


async def test_ctrl_p_lists_every_action_of_each_screen(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead")
        checked = []
        for destination in navigation.available(Role.QA_LEAD):
            app.open_destination(destination.id)
            await settle(pilot)
            screen = app.screen
            wanted = {
                a.binding.description
                for a in live_actions(screen)
                if a.namespace is not app and a.enabled and a.binding.id
            }
            assert wanted, f"{destination.id} has no actions of its own"
            titles = "\n".join(await _palette_titles(app, pilot))
            missing = sorted(d for d in wanted if d not in titles)
            assert "Cursor up" not in titles  # a table's own keys stay on the help screen
            assert missing == [], f"{destination.id}: the palette lacks {missing}"
            assert app.screen is screen
            checked.append(destination.id)
        assert {"decisions", "samples", "reviews", "kpis", "rota", "home"} <= set(checked)


async def test_an_action_chosen_in_the_palette_runs(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Filter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)


async def test_a_remapped_key_works_and_the_old_one_does_not(tmp_path: Path) -> None:
    (tmp_path / "keymap.toml").write_text(
        '"decisions.filter" = "ctrl+f"\n"filter.apply" = "ctrl+b"\n', encoding="utf-8"
    )
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.user_keymap.keys == {"decisions.filter": "ctrl+f", "filter.apply": "ctrl+b"}
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        browser = app.screen
        assert isinstance(browser, DecisionBrowserScreen)
        await pilot.press("f")
        await settle(pilot)
        assert app.screen is browser  # f no longer filters
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        filter_line = next(k for k in app.screen.lines if k.description == "Filter")
        assert filter_line.keys == "^f"  # help shows the key in use
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)
        dialog = app.screen
        assert str(dialog.query_one("#apply", Button).label) == "Apply (^b)"  # the key in use
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.screen is browser  # applied (nothing typed, so no refusal) and closed


async def test_a_broken_keymap_is_reported_and_the_app_still_runs(tmp_path: Path) -> None:
    (tmp_path / "keymap.toml").write_text(
        '"decisions.filter" = "ctrl+f"\n"decisions.nonsense" = "x"\n"decisions.review" = "c"\n',
        encoding="utf-8",
    )
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        [message] = [m for m in messages if "keymap" in m.lower()]
        assert "2 problem(s)" in message
        assert "line 2" in message and "decisions.nonsense" in message
        assert "line 3" in message and "c already means 'Clear'" in message
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DecisionBrowserScreen)
        await pilot.press("ctrl+f")  # the good entry is in use
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)


async def test_bad_toml_is_reported_and_every_key_stays_as_shipped(tmp_path: Path) -> None:
    (tmp_path / "keymap.toml").write_text('"decisions.filter" = \n', encoding="utf-8")
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("not valid TOML" in n.message for n in app._notifications)
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterDialog)


async def test_dialog_key_lines_match_the_dialog_bindings(tmp_path: Path) -> None:
    (tmp_path / "keymap.toml").write_text('"plan-dialog.draw" = "ctrl+b"\n', encoding="utf-8")
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead")
        app.open_destination("samples")
        await settle(pilot)
        await pilot.press("p")  # new plan
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PlanDialog)
        line = str(dialog.query_one(KeyHints).render())
        shown = [
            f"{' / '.join(a.keys)} {a.binding.description}"
            for a in live_actions(dialog)
            if a.namespace is dialog and a.binding.show
        ]
        assert shown and all(part in line for part in shown)
        assert app.user_keymap.problems == []
        assert "^b Save and draw" in line  # the remapped key, not F10
        assert "^s Save plan" in line and "esc Cancel" in line


def test_keys_check_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rcrp_tui.cli.main import main

    path = tmp_path / "keymap.toml"
    assert main(["keys", "check", "--file", str(path)]) == 0
    assert "No keymap file" in capsys.readouterr().out
    path.write_text('"decisions.filter" = "ctrl+f"\n"decisions.filtr" = "x"\n', encoding="utf-8")
    assert main(["keys", "check", "--file", str(path)]) == 1
    out = capsys.readouterr().out
    assert f'{path}, line 2: `"decisions.filtr" = "x"` no action has the id' in out
    assert "1 remapping(s) in use, 1 entry ignored." in out
    path.write_text('"decisions.filter" = "ctrl+f"\n', encoding="utf-8")
    assert main(["keys", "check", "--file", str(path)]) == 0


def test_keys_list_names_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    from rcrp_tui.cli.main import main

    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    for action_id in catalogue(RcrpApp):
        assert re.search(rf"^{re.escape(action_id)} ", out, re.MULTILINE), action_id


async def test_a_message_naming_another_screens_key_follows_the_keymap(tmp_path: Path) -> None:
    (tmp_path / "keymap.toml").write_text('"go.live-risk" = "ctrl+b"\n', encoding="utf-8")
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert keys.shown_key(app, "go.live-risk", "F9") == "^b"
        assert keys.shown_key(app, "go.decisions", "F2") == "F2"  # not moved: as shipped
