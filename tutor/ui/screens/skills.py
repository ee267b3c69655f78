"""The skills page: rule by rule, how often the learner's first try was right, as :mod:`tutor.skills` counts it.

One line a skill (its name, a bar, ``7/10 right first time`` or ``no attempts yet``), coloured by the theme: a skill
mostly right, one to work on, one not tried. The counting (loading the lessons the progress names) runs in the
background; this screen only shows what the core computed. Plain ``Text``, never markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tutor.safetext import one_line
from tutor.skills import SkillRate, course_finder, headline, skill_line, skill_rates
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.titlebar import TitleBar

if TYPE_CHECKING:
    from tutor.progress import ProgressStore
    from tutor.ui.app import TutorApp

GOOD, WEAK = 0.8, 0.5  # first-try rates shown as mostly right, and as one to work on


def rate_class(rate: SkillRate) -> str:
    """The line's class: ``-untried``, ``-good`` (80% or more), ``-weak`` (under 50%) or ``-middling``."""
    if rate.rate is None:
        return "-untried"
    return "-good" if rate.rate >= GOOD else "-weak" if rate.rate < WEAK else "-middling"


def count_skills(store: ProgressStore, lessons: dict[str, Path]) -> list[SkillRate]:
    """Every skill's rate from the store (loads the lessons it names: run it off the UI thread)."""
    return skill_rates(store, course_finder(lessons))


class SkillsScreen(Screen[None]):
    """Every skill with its first-try rate; Escape (or s) goes back to the lessons."""

    DEFAULT_CSS = """
    SkillsScreen #skills-pane { padding: 0 1; }
    SkillsScreen #skills-head { margin: 0 0 1 0; text-style: bold; }
    SkillsScreen #skills-list { height: auto; }
    SkillsScreen .skill { height: 1; }
    SkillsScreen .skill.-good { color: $success; }
    SkillsScreen .skill.-middling { color: $warning; }
    SkillsScreen .skill.-weak { color: $error; }
    SkillsScreen .skill.-untried { color: $text-muted; }
    SkillsScreen #skills-foot { margin: 1 0 0 0; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,s", "back", "Lessons")]

    def __init__(self, store: ProgressStore, lessons: dict[str, Path]) -> None:
        super().__init__()
        self.store = store
        self.lessons = lessons
        self.rates: list[SkillRate] | None = None

    @property
    def tutor(self) -> TutorApp:
        """The app this screen runs in (for its background work)."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Title bar, the headline, one line a skill, what the numbers mean, the footer."""
        yield TitleBar()
        with VerticalScroll(id="skills-pane"):
            yield Static("Counting your first tries…", id="skills-head")
            yield Vertical(id="skills-list")
            yield Static(
                "Each step counts for the rules it needs; a named mistake, against its rule.",
                id="skills-foot",
            )
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Count in the background, then show."""
        self.title = "backprop-tutor"
        self.sub_title = "skills"
        self.tutor.in_background(
            "counting your skills",
            lambda: count_skills(self.store, self.lessons),
            self.show,
            lambda error: self.query_one("#skills-head", Static).update(
                Text(f"The skills could not be counted: {one_line(str(error))[:300]}")
            ),
        )

    def show(self, rates: list[SkillRate]) -> None:
        """One line a skill, coloured by how sure the learner is."""
        self.rates = rates
        self.query_one("#skills-head", Static).update(Text(headline(rates)))
        width = max(len(r.skill.name) for r in rates)
        listing = self.query_one("#skills-list", Vertical)
        listing.remove_children()
        listing.mount_all(
            Static(Text(skill_line(r, width)), classes=f"skill {rate_class(r)}", id=f"skill-{r.skill.id}")
            for r in rates
        )

    def action_back(self) -> None:
        """Back to the lessons."""
        self.app.pop_screen()
