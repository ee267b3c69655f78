"""A one-line title bar: the screen's title and sub-title.

Used instead of Textual's ``Header``, whose title watchers look up a child widget and raise
``NoMatches`` when a screen is pushed and popped before it is fully mounted (as ``--watch`` does on
every save); this bar has no child to look up, so quick screen changes cannot break it.
"""

from __future__ import annotations

from textual.widgets import Static


class TitleBar(Static):
    """``title — sub-title`` of the screen it is on, kept up to date."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        text-style: bold;
        content-align: center middle;
    }
    """

    def on_mount(self) -> None:
        """Follow the screen's title and sub-title (the app's when the screen has none)."""
        self.watch(self.screen, "title", self._show, init=False)
        self.watch(self.screen, "sub_title", self._show, init=False)
        self._show()

    def _show(self, _: object = None) -> None:
        """Write the current title."""
        screen = self.screen
        title = screen.title if screen.title is not None else self.app.title
        sub = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        self.update(f"{title} — {sub}" if sub else str(title))
