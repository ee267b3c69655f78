"""A one-line title bar: the screen's title and sub-title, and what the tutor is working on.

Used instead of Textual's ``Header``, whose title watchers look up a child widget and raise
``NoMatches`` when a screen is pushed and popped before it is fully mounted (as ``--watch`` does on
every save); this bar has no child to look up, so quick screen changes cannot break it. Titles come from
lesson files and file names: they are shown as plain text on one line, never as markup.
"""

from __future__ import annotations

from textual.widgets import Static

from tutor.safetext import one_line


class TitleBar(Static):
    """``title — sub-title`` of the screen it is on, or ``working: …`` while the engine works."""

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
    TitleBar.-working {
        background: $warning;
        color: $text;
    }
    """

    def __init__(self) -> None:
        super().__init__(markup=False)

    def on_mount(self) -> None:
        """Follow the screen's title and sub-title (the app's when the screen has none), and the app's work."""
        self.watch(self.screen, "title", self._show, init=False)
        self.watch(self.screen, "sub_title", self._show, init=False)
        if hasattr(self.app, "working"):
            self.watch(self.app, "working", self._show, init=False)
        self._show()

    def _show(self, _: object = None) -> None:
        """Write the current title (plain text, one line)."""
        screen = self.screen
        title = screen.title if screen.title is not None else self.app.title
        sub = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        working = getattr(self.app, "working", "")
        self.set_class(bool(working), "-working")
        if working:
            sub = f"working: {working}… (ctrl+q quits)"
        self.update(one_line(f"{title} — {sub}" if sub else str(title)))
