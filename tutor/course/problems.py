"""Problems found in a lesson file, each located ``file:line:col`` (1-based) and, where known, at a step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One error or warning about a lesson file."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"  # "error" or "warning"
    step: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        kind = "" if self.severity == "error" else "warning: "
        step = f"[{self.step}] " if self.step else ""
        return f"{where}: {kind}{step}{self.message}"


class LessonError(Exception):
    """A lesson file that cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
