"""The footer of keys, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """Textual's footer, which rebuilds its keys (a widget each, restyled one by one) whenever the screen's bindings
    are updated: on every focus change and every refresh of the bindings, most often with the same keys. This one
    rebuilds only when what it would show differs from what it shows (the same keys, labels and states)."""

    _shown: tuple[object, ...] | None = None

    def _keys(self) -> tuple[object, ...]:
        """What the footer's compose reads: each binding shown, enabled or not, its tooltip, and the palette key."""
        screen = self.screen
        return tuple(
            (key, b.key, b.action, b.description, b.key_display, b.show, b.group, b.tooltip, enabled, tooltip)
            for key, (_, b, enabled, tooltip) in screen.active_bindings.items()
        )

    def compose(self) -> ComposeResult:
        """Textual's keys, each with the ``-compact`` class already set when the footer is compact: Textual sets it
        once the key is mounted, which restyled every key one by one (a no-op now)."""
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild after the next refresh if the keys shown change (as Textual's footer does, less often)."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        """Rebuild the keys unless the same ones are shown already."""
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await self.recompose()
