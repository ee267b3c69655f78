"""Which Markdown renders in the app (docs/authoring.md says the same): checked on the lesson screen's own widget."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tutor.course.maths import render_prose
from tutor.ui.plain import LessonMarkdown

pytestmark = pytest.mark.slow

PROSE = """\
# A heading

Some **bold**, *italic* and `code` text.

- first item
- second item

1. one
2. two

> A block quote.

| node | value |
|------|-------|
| y    | 3     |

```python
y = 2 * x
```

A [link](https://example.com) and an image ![graph](graph.png).

!!! note
    An admonition.

```mermaid
graph LR; x-->y
```

Maths: $a * b_c + \\frac{\\partial L}{\\partial w}$, price \\$5.

$$\\begin{bmatrix} 1 & 20 \\\\ 300 & 4 \\end{bmatrix}$$
"""


class _Show(App[None]):
    """An app that shows one piece of lesson Markdown."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        """The lesson screen's Markdown widget."""
        yield LessonMarkdown(self.markdown)


@pytest.fixture(scope="module")
def screen() -> list[str]:
    """The lines the widget draws for PROSE, rendered as a lesson is."""
    import asyncio

    async def run() -> list[str]:
        app = _Show(render_prose(PROSE, markdown=True)[0])
        async with app.run_test(size=(100, 80)) as pilot:
            await pilot.pause()
            await pilot.pause()
            return [s.text.rstrip() for s in pilot.app.screen._compositor.render_strips()]

    return asyncio.run(run())


def line_with(screen: list[str], text: str) -> str:
    """The first line of the screen that contains ``text``."""
    return next(line for line in screen if text in line)


def test_headings_emphasis_code_lists_and_quotes_render(screen):
    text = "\n".join(screen)
    assert "A heading" in text and "# A heading" not in text
    assert "Some bold, italic and code text." in text
    assert "• first item" in text
    assert "1. one" in text
    assert "A block quote." in text and "> A block quote." not in text


def test_a_table_renders_as_a_table(screen):
    row = line_with(screen, "y ")
    assert "3" in row and "|" not in row
    assert "node" in line_with(screen, "node") and "|" not in line_with(screen, "node")


def test_a_fenced_code_block_shows_its_code(screen):
    assert "y = 2 * x" in "\n".join(screen)


def test_links_and_images_are_shown_as_typed(screen):
    text = "\n".join(screen)
    assert "[link](https://example.com)" in text
    assert "![graph](graph.png)" in text


def test_admonitions_and_mermaid_are_not_rendered(screen):
    text = "\n".join(screen)
    assert "!!! note" in text  # as typed
    assert "graph LR; x-->y" in text  # a code block, not a diagram


def test_maths_survives_markdown(screen):
    assert "Maths: a ∗ b_c + ∂L/∂w, price $5." in "\n".join(screen)
    top, bottom = line_with(screen, "⎡"), line_with(screen, "⎣")
    assert top.strip() == "⎡   1  20 ⎤" and bottom.strip() == "⎣ 300   4 ⎦"
    assert top.index("⎡") == bottom.index("⎣")  # the columns stay aligned
