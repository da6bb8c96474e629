"""The footer of keys, rebuilt only when the keys it shows have changed.

Textual's ``Footer`` rebuilds all its key widgets (each restyled on creation) every time
its screen's bindings are updated: on mount, on every focus change, whenever a screen
refreshes its bindings. Opening the decision browser did that 17 times, some 10-15%
of the main thread's work (cProfile) until its first page was drawn. ``KeyFooter`` shows
exactly what ``Footer`` shows, asked at the same moments; it rebuilds only when the keys,
their labels, whether each is enabled and their tooltips differ from what it shows.

``Footer`` also lets keys run off its right edge, so a narrow terminal shows the last one
cut mid-word ("f2 Decis"). With ``whole_keys`` (the default) the footer shows only the keys that fit
whole and ends with "…" when some do not (F1 Help and the palette list every key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


#: Shown at the end of a ``whole_keys`` footer when keys did not fit.
MORE_KEYS = "…"


class KeyFooter(Footer):
    """``Footer`` without the rebuilds that would show the same keys again."""

    DEFAULT_CSS = """
    KeyFooter .more-keys {
        width: auto;
        height: 1;
        padding: 0 1 0 0;
        color: $footer-description-foreground;
    }
    """

    def __init__(self, *args: Any, whole_keys: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None
        self.whole_keys = whole_keys

    def _keys_shown(self) -> tuple[object, ...]:
        """Everything ``Footer.compose`` reads to decide what it shows."""
        app = self.app
        keys = tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.action,
                binding.description,
                binding.group,
                enabled,
                tooltip,
                binding.tooltip,
            )
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        palette = self.show_command_palette and app.ENABLE_COMMAND_PALETTE
        palette_binding = (
            self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING) if palette else None
        )
        return (
            keys,
            palette,
            app.COMMAND_PALETTE_BINDING if palette else None,
            None
            if palette_binding is None
            else (app.get_key_display(palette_binding[1]), *palette_binding[1:]),
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys_shown() if self._bindings_ready else None
        yield from super().compose()
        if self.whole_keys and self._bindings_ready:
            yield Static(MORE_KEYS, classes="more-keys")

    def on_mount(self) -> None:
        if self.whole_keys:
            self.call_after_refresh(self._fit_whole_keys)

    def on_resize(self) -> None:
        if self.whole_keys:
            for child in self.children:
                child.display = True
            self.call_after_refresh(self._fit_whole_keys)

    def _fit_whole_keys(self) -> None:
        """Hide, from the first key that is cut, every key after it; say so with "…"."""
        if not self.is_attached:
            return
        more = next(iter(self.query_children(".more-keys")), None)
        keys = [
            child
            for child in self.children
            if child is not more and not child.has_class("-command-palette")
        ]
        palette = [child for child in self.children if child.has_class("-command-palette")]
        edge = palette[0].region.x if palette else self.region.right
        room = edge - (len(MORE_KEYS) + 1)  # "…" needs its own cells
        cut = next((i for i, key in enumerate(keys) if key.region.right > edge), None)
        if cut is not None:
            while cut > 0 and keys[cut - 1].region.right > room:
                cut -= 1
        for i, key in enumerate(keys):
            key.display = cut is None or i < cut
        if more is not None:
            more.display = cut is not None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        # Several updates in one refresh each ask; the first rebuilds, the rest see the
        # keys already shown.
        if not self.is_attached or self._keys_shown() == self._shown:
            return
        await self.recompose()
        if self.whole_keys:
            self.call_after_refresh(self._fit_whole_keys)
