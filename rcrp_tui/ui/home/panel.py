"""One panel of a home screen: a title, a summary line and a short list to open from.

The list is an ``OptionList``: arrows (or j/k on the screen) move, Enter opens. Each item
carries a target string such as ``"review:12"`` that the home screen turns into a place
to go; the panel itself knows nothing about where things live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rcrp_tui.ui.common.literal import literal


@dataclass(frozen=True)
class PanelItem:
    """A line in a panel and where Enter takes you (None: nowhere, just information)."""

    text: Text
    target: str | None = None


@dataclass(frozen=True)
class PanelContent:
    """What a panel shows once the home figures are in."""

    summary: Text
    items: tuple[PanelItem, ...] = ()
    empty: str = "Nothing here."


class HomePanel(Vertical):
    """A bordered panel whose border title names it."""

    DEFAULT_CSS = """
    HomePanel {
        height: auto;
        border: round $primary-muted;
        padding: 0 1;
    }
    HomePanel:focus-within {
        border: round $primary;
    }
    HomePanel > .home-summary {
        height: auto;
    }
    HomePanel > OptionList {
        height: auto;
        max-height: 7;
        border: none;
        padding: 0;
        background: transparent;
    }
    HomePanel > OptionList:focus {
        border: none;
    }
    """

    def __init__(self, title: str, *, id: str, listed: bool = True) -> None:
        super().__init__(id=id)
        self.border_title = title
        self.listed = listed
        self.targets: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…"), classes="home-summary")
        if self.listed:
            yield OptionList()

    def show(self, content: PanelContent) -> None:
        """Replace the summary and the list with ``content``, keeping the highlight near."""
        summary = self.query_one(".home-summary", Static)
        summary.update(content.summary)
        summary.display = bool(content.summary.plain)
        if not self.listed:
            return
        options = self.query_one(OptionList)
        before = options.highlighted
        self.targets = {}
        rows: list[Option] = []
        for n, item in enumerate(content.items):
            option_id = f"item-{n}"
            if item.target is not None:
                self.targets[option_id] = item.target
            rows.append(Option(item.text, id=option_id, disabled=item.target is None))
        if not rows:
            rows = [Option(Text(content.empty, style="italic"), disabled=True)]
        options.set_options(rows)
        if any(not r.disabled for r in rows):
            # Highlighted from the start, so Enter works as soon as the list has focus.
            options.highlighted = min(before or 0, len(rows) - 1)

    def target_of(self, option_id: str | None) -> str | None:
        """The target of an option of this panel's list."""
        return None if option_id is None else self.targets.get(option_id)


def join(parts: Sequence[str | Text], separator: str = " · ") -> Text:
    """Parts joined by ``separator``; strings are shown as typed, never read as markup."""
    out = Text()
    for n, part in enumerate(parts):
        if n:
            out.append(separator)
        out.append_text(part if isinstance(part, Text) else literal(part, single_line=True))
    return out
