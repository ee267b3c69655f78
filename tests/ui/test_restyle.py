"""A class that changes often restyles only the widgets whose rules read it (a restyle of the whole lesson body or
screen cost every lesson start ~15 ms): app.tcss must keep each such class to those widgets, and no widget's own
CSS may read them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tutor.ui
from tutor.ui.screens.lesson import SHORT_RULES
from tutor.ui.widgets.pictures import PICTURE_RULES, VIEWS

UI = Path(tutor.ui.__file__).parent
TCSS = (UI / "app.tcss").read_text(encoding="utf-8")


def selectors(css: str) -> list[str]:
    """Every selector of a stylesheet, one per comma, comments taken out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for head in re.findall(r"([^{}]+)\{", css):
        found += [" ".join(s.split()) for s in head.split(",") if s.strip()]
    return found


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
