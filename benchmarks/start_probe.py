"""Start an app headless until its first screen is up, then report memory and heavy imports.

python benchmarks/start_probe.py bare    # a bare Textual app with one Static (the floor)
python benchmarks/start_probe.py tutor   # backprop-tutor until the lesson list is mounted
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before any import of the app's: imports count, interpreter start-up does not

import asyncio  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

HEAVY = ("torch", "sympy", "scipy", "pandas", "matplotlib", "jax")


async def bare() -> None:
    """The floor: a Textual app with one Static."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    app = Bare()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.query_one(Static)
        print(f"ready_s={time.perf_counter() - T0}")


async def tutor() -> None:
    """backprop-tutor as ``run_app`` starts it: lessons indexed, progress read, the lesson list mounted."""
    from textual.widgets import OptionList

    from tutor.course.index import index_course
    from tutor.ui.app import TutorApp
    from tutor.ui.screens.home import HomeScreen

    app = TutorApp(index_course(), lesson_dirs=[])
    async with app.run_test(size=(100, 30)) as pilot:
        while not isinstance(app.screen, HomeScreen) or not app.screen.query_one("#lessons", OptionList).option_count:
            await pilot.pause()
        print(f"ready_s={time.perf_counter() - T0}")
        heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY})
        print(f"heavy_at_home={','.join(heavy)}")


def main() -> None:
    """Run one mode and print rss_kb= and heavy= lines."""
    mode = sys.argv[1]
    asyncio.run(bare() if mode == "bare" else tutor())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # peak, in KiB on Linux
    try:  # the current resident set, where /proc tells it
        with open("/proc/self/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        pass
    heavy = [m for m in sys.modules if m.split(".")[0] in HEAVY]
    print(f"rss_kb={rss}")
    print(f"heavy={','.join(sorted({m.split('.')[0] for m in heavy}))}")


if __name__ == "__main__":
    main()
