"""The footer of keys, rebuilt only when the keys it shows have changed.

Textual's ``Footer`` rebuilds all its key widgets (each restyled on creation) every time
its screen's bindings are updated: on mount, on every focus change, whenever a screen
refreshes its bindings. Opening the decision browser did that 17 times, some 10-15%
of the main thread's work (cProfile) until its first page was drawn. ``KeyFooter`` shows
exactly what ``Footer`` shows, asked at the same moments; it rebuilds only when the keys,
their labels, whether each is enabled and their tooltips differ from what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class KeyFooter(Footer):
    """``Footer`` without the rebuilds that would show the same keys again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

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
