"""Start the app headless on a lessons folder, as a learner would, and stop once everything has settled.

    python benchmarks/app_probe.py DIR

It indexes the shipped course plus DIR, mounts the lesson list, waits for the background check of every lesson,
then opens each lesson of DIR (a lesson that does not load shows its problems) and waits for it to be solved.
``benchmarks/hostile.py`` runs it under ``/usr/bin/time -v`` for each hostile corpus file: "app start".
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

SETTLE = 60.0  # seconds: give up waiting (the caller reports it as over the bound)


async def settle(pilot, app) -> None:
    """Wait until the app has no background work left."""
    loop = asyncio.get_running_loop()
    end = loop.time() + SETTLE
    await pilot.pause()
    while app.busy and loop.time() < end:
        await pilot.pause(0.02)
    if app.busy:
        raise SystemExit(f"still busy after {SETTLE:.0f} s")


async def main(folder: Path) -> None:
    """Start, settle, open every lesson of ``folder``, settle again."""
    from tutor.course.index import index_course
    from tutor.ui.app import TutorApp

    index = index_course([folder])
    app = TutorApp(index, lesson_dirs=[str(folder)])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        for entry in [e for e in index.entries if e.path.parent == folder]:
            app.open_lesson(entry.id)
            await settle(pilot, app)
            await pilot.press("escape")
            await pilot.pause()
    print("settled")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
