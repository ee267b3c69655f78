"""Problems found in a lesson file, each located ``file:line:col`` (1-based) and, where known, at a step."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.course.lintcodes import BY_CODE


@dataclass(frozen=True)
class Problem:
    """One error or warning about a lesson file; a warning has a stable code (:mod:`tutor.course.lintcodes`)."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"  # "error" or "warning"
    step: str | None = None
    code: str = ""  # a warning's code, "W103"

    @property
    def label(self) -> str:
        """The code and its name, ``W103 symmetric-operand`` (empty without a code)."""
        known = BY_CODE.get(self.code)
        return known.label if known else self.code

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        label = self.label
        if self.severity == "error":
            kind = f"{label}: " if label else ""
        else:
            kind = f"warning {label}: " if label else "warning: "
        step = f"[{self.step}] " if self.step else ""
        return f"{where}: {kind}{step}{self.message}"


class LessonError(Exception):
    """A lesson file that cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
