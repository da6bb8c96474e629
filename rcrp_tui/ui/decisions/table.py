"""A DataTable of one page of decisions, with vim-style keys and page edges.

It holds one page only. When the cursor would leave the page (down on the last row, up
on the first) it asks its screen for the neighbouring page instead of scrolling.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import ClassVar, Literal

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.services.decisions.queries import DecisionRow
from rcrp_tui.ui.common.columns_in_view import ColumnsTable
from rcrp_tui.ui.common.keys import list_keys, paging_keys
from rcrp_tui.ui.common.literal import literal

#: Short labels for the narrow table; the detail pane shows the full ones.
SHORT_LABELS: dict[object, str] = {
    Category.CONCERN_FOR_WELFARE: "Welfare",
    Category.WALK_OUT: "Walk-out",
    Category.AWOL: "AWOL",
    Category.MEDICAL: "Medical",
    Category.CONVEYANCE: "Conveyance",
    Category.S136_S135: "s136/s135",
    Category.VOLUNTARY: "Voluntary",
    Category.OTHER: "Other",
    CallerType.PUBLIC: "Public",
    CallerType.AMBULANCE: "Ambulance",
    CallerType.MENTAL_HEALTH_TRUST: "MH trust",
    CallerType.ACUTE_HOSPITAL: "Hospital",
    CallerType.SOCIAL_CARE: "Social care",
    CallerType.OTHER_PARTNER: "Other partner",
    Outcome.DEPLOYED: "Deployed",
    Outcome.SIGNPOSTED: "Signposted",
    Outcome.TRANSFERRED_AMBULANCE: "To ambulance",
    Outcome.REFERRED_HEALTH: "To health",
    Outcome.REFERRED_SOCIAL_CARE: "To social care",
}

PageWanted = Literal["older", "newer", "newest", "oldest"]


@cache
def _label(value: object) -> Text:
    """The short label's cell, made once per value: a page reuses the same few dozen
    (Rich renders a ``Text`` without changing it), so paging makes fewer objects."""
    label = SHORT_LABELS.get(value) or getattr(value, "label", str(value))
    return literal(str(label))


#: (title, width). The CAD reference is shown whole: it is what people search by and
#: quote, and a cut one makes neighbouring rows look identical.
COLUMNS = (
    ("Received (UTC)", 16),
    ("CAD ref", 17),
    ("Category", 10),
    ("Caller", 11),
    ("Outcome", 14),
    ("Staff", 7),
    ("Rationale", 40),
)


class DecisionTable(ColumnsTable[object], inherit_bindings=False):
    """One page of decisions; asks for the next page at its edges."""

    #: Where its keys apply, for the keymap checker (``ui.common.keys.scope_name``).
    KEY_SCOPE = "DecisionBrowserScreen (ui.decisions.browser)"

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_keys("cursor_down", "cursor_up", "page('newest')", "page('oldest')"),
        Binding("down", "cursor_down", "Down", show=False, id="decisions.arrow-down"),
        Binding("up", "cursor_up", "Up", show=False, id="decisions.arrow-up"),
        # Paging keys are listed by F1 help; the footer keeps room for the actions.
        *paging_keys("page('older')", "page('newer')"),
        # Home/End do what g/G do here (the newest / oldest page), under the same names.
        Binding(
            "home", "page('newest')", "First", show=False, id="decisions.newest", tooltip="Newest"
        ),
        Binding(
            "end", "page('oldest')", "Last", show=False, id="decisions.oldest", tooltip="Oldest"
        ),
        Binding("left", "cursor_left", "Scroll left", show=False, id="decisions.left"),
        Binding("right", "cursor_right", "Scroll right", show=False, id="decisions.right"),
        Binding("enter", "toggle_detail", "Details", id="decisions.detail"),
    ]

    class PageRequested(Message):
        """The cursor reached an edge, or a paging key was pressed."""

        def __init__(self, which: PageWanted) -> None:
            super().__init__()
            self.which: PageWanted = which

    class DetailToggled(Message):
        """Enter was pressed on a row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.rows_shown: tuple[DecisionRow, ...] = ()

    def on_mount(self) -> None:
        for title, width in COLUMNS:
            self.add_column(title, width=width, key=title)

    def show_rows(self, rows: Sequence[DecisionRow], *, cursor: int = 0) -> None:
        """Replace the page, putting the cursor on row ``cursor`` (clamped)."""
        self.rows_shown = tuple(rows)
        self.clear()
        for row in rows:
            self.add_row(
                literal(row.received_at.strftime("%Y-%m-%d %H:%M")),
                literal(row.cad_ref, single_line=True),
                _label(row.category),
                _label(row.caller_type),
                _label(row.outcome),
                literal(row.staff_id or "-", single_line=True),
                literal(row.rationale[:60], single_line=True),
                key=str(row.id),
            )
        if rows:
            self.move_cursor(row=max(0, min(cursor, len(rows) - 1)), animate=False)

    @property
    def current(self) -> DecisionRow | None:
        """The highlighted decision, if any."""
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row]

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequested("older"))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.PageRequested("newer"))
        else:
            super().action_cursor_up()

    def action_page(self, which: PageWanted) -> None:
        self.post_message(self.PageRequested(which))

    def action_toggle_detail(self) -> None:
        self.post_message(self.DetailToggled())
