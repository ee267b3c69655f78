"""The PyTorch reveal: a lesson as PyTorch code, run lazily in a subprocess and compared with the engine.

Importing this package never imports torch; only the generated script, run by :mod:`tutor.reveal.run`, does.
"""

from tutor.reveal.codegen import REPORT_MARKER, StepCode, lesson_script, python_names, step_code, steps_code

__all__ = ["REPORT_MARKER", "StepCode", "lesson_script", "python_names", "step_code", "steps_code"]
