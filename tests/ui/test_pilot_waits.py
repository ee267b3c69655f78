"""The conftest's shorter idle checks reach Pilot: Textual's wait_for_idle (behind Pilot's press() and pause()) reads
the two names the conftest sets, at each step; a Textual that renamed them would leave the tests at 20 ms steps."""

from __future__ import annotations

import inspect

import textual._wait
from conftest import IDLE_STEP
from textual import app, pilot


def test_wait_for_idle_sleeps_in_the_conftests_steps():
    source = inspect.getsource(textual._wait.wait_for_idle)
    assert "await sleep(SLEEP_GRANULARITY)" in source and "cpu_elapsed < SLEEP_IDLE" in source
    assert (textual._wait.SLEEP_GRANULARITY, textual._wait.SLEEP_IDLE) == (IDLE_STEP, IDLE_STEP / 20)


def test_pilot_waits_with_textuals_wait_for_idle():
    assert app.wait_for_idle is textual._wait.wait_for_idle  # press(): after each key
    assert pilot.wait_for_idle is textual._wait.wait_for_idle  # pause()
