"""A class that changes often restyles only the widgets whose rules read it (a restyle of the whole lesson body or
screen cost every lesson start ~15 ms, of the whole step pane ~7 ms at every answer): app.tcss must keep each such
class to those widgets, and no widget's own CSS may read them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import settle, shipped_course

import tutor.ui
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import PANE_PARTS, SHORT_RULES
from tutor.ui.widgets.pictures import PICTURE_RULES, VIEWS

UI = Path(tutor.ui.__file__).parent
TCSS = (UI / "app.tcss").read_text(encoding="utf-8")


def rules(css: str) -> list[tuple[str, str]]:
    """Every rule of a stylesheet as (selector, declarations), one per comma of its selector list, comments out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for head, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        found += [(" ".join(s.split()), body) for s in head.split(",") if s.strip()]
    return found


def selectors(css: str) -> list[str]:
    """Every selector of a stylesheet, one per comma."""
    return [selector for selector, _ in rules(css)]


@pytest.mark.parametrize(
    ("classes", "targets"),
    [(tuple(f"-{v}" for v in VIEWS), PICTURE_RULES), (("-short",), SHORT_RULES)],
    ids=["views", "short"],
)
def test_the_classes_switched_in_place_are_read_only_by_the_widgets_restyled(classes, targets):
    reading = [s for s in selectors(TCSS) if any(re.search(rf"\.{c}(?![\w-])", s) for c in classes)]
    assert reading, f"no rule of app.tcss reads {classes}: the test reads the file wrongly"
    for selector in reading:
        last = selector.split()[-1]
        assert last in targets, f"app.tcss: '{selector}' reads {classes} but styles {last}, which is not restyled"


def test_the_step_panes_classes_only_show_or_hide_its_parts():
    reading = [(selector, body) for selector, body in rules(TCSS) if selector.startswith("#step-pane.")]
    assert len(reading) >= 10, reading
    for selector, body in reading:
        assert selector.split()[-1] in PANE_PARTS, f"app.tcss: '{selector}' styles something not restyled"
        names = {line.split(":")[0].strip() for line in body.split(";") if line.strip()}
        assert names == {"display"}, f"app.tcss: '{selector}' sets {names}: the parts' contents would need a restyle"
    assert not [s for s in selectors(TCSS) if "#step-pane." in s and not s.startswith("#step-pane.")]


async def test_the_pane_parts_are_the_step_panes_children():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one("#step-pane")
        assert tuple(f"#{child.id}" for child in pane.children) == PANE_PARTS


def test_the_selectors_are_read_from_the_stylesheet():
    assert "#lesson-body.-circuit #circuit" in selectors(TCSS)
    assert "LessonScreen.-short #question" in selectors(TCSS)


def test_no_widget_css_reads_those_classes():
    names = "|".join(["short", *VIEWS])
    blocks = 0
    for path in UI.rglob("*.py"):
        for css in re.findall(r'(?:DEFAULT_CSS|CSS)\s*=\s*"""(.*?)"""', path.read_text(encoding="utf-8"), flags=re.S):
            blocks += 1
            assert not re.search(rf"\.-({names})(?![\w-])", css), f"{path}: CSS reading a class restyled in place"
    assert blocks, "no widget CSS found: the test reads the files wrongly"
