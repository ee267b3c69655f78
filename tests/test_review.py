"""Review cards: a diagnosed mistake makes a card for its step, FSRS schedules it, ``review --list`` shows it;
the clock can be set; a damaged card is named and the rest kept; the file stays readable as format 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tutor.cli import main
from tutor.course import find_lesson
from tutor.paths import progress_file
from tutor.progress import Attempt, ProgressStore, parse
from tutor.review import NOW_VAR, ClockError, card_key, cards, clock, due_cards, sync_cards
from tutor.ui.session import LessonSession

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEY = card_key("chain-rule", None, "grad:y")


def mistake_made() -> ProgressStore:
    """The shipped chain-rule lesson with δ_y answered with its sign flipped (the grader says 'sign'), saved."""
    store = ProgressStore()
    s = LessonSession(find_lesson("chain-rule", []), store)
    assert s.go_to_step("grad:y")
    verdict = s.submit("2.5")
    assert verdict.diagnosis == "sign", verdict.message
    s.save()
    return store


def attempt(store: ProgressStore, text: str, correct: bool, at: datetime, diagnosis: str | None = None) -> None:
    """Record one more attempt at chain-rule's grad:y at a given time."""
    lesson = find_lesson("chain-rule", [])
    record = store.lesson(lesson.id, lesson.content_hash)
    record.step("grad:y").attempts.append(Attempt(text, correct, diagnosis, at.isoformat(timespec="milliseconds")))


def listed(capsys, monkeypatch, now: datetime, *args: str) -> tuple[int, str, str]:
    """Run ``review --list`` (plus args) with the clock at ``now``; exit status, stdout, stderr."""
    monkeypatch.setenv(NOW_VAR, now.isoformat())
    status = main(["review", "--list", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_diagnosed_mistake_makes_a_card_due_after_the_scheduled_interval(capsys, monkeypatch):
    mistake_made()
    made = datetime.now(UTC)
    status, out, _ = listed(capsys, monkeypatch, made + timedelta(minutes=5), "--json")
    data = json.loads(out)
    assert status == 0 and data["due"] == 0
    (card,) = data["cards"]
    assert (card["lesson"], card["step"], card["answer"], card["diagnosis"]) == ("chain-rule", "grad:y", "2.5", "sign")
    due = datetime.fromisoformat(card["due"])
    assert timedelta(minutes=55) < due - made < timedelta(minutes=65)  # FSRS's first learning step: an hour
    status, out, _ = listed(capsys, monkeypatch, made + timedelta(hours=2))
    assert "1 review card, 1 due now." in out and "due now" in out and "chain-rule · grad:y" in out
    assert "last time '2.5' (sign)" in out


def test_a_right_answer_once_due_is_a_review_that_pushes_the_card_out():
    store = ProgressStore()
    attempt(store, "2.5", False, T0, "sign")
    assert sync_cards(store)
    (card,) = cards(store)
    assert card.due == T0 + timedelta(hours=1) and card.reviews == 0
    attempt(store, "-2.5", True, T0 + timedelta(minutes=2))  # right again at once: not a review
    assert not sync_cards(store)
    attempt(store, "-2.5", True, T0 + timedelta(hours=2))
    sync_cards(store)
    (card,) = cards(store)
    assert card.reviews == 1 and card.due == T0 + timedelta(hours=2) + timedelta(days=1)  # the next step: a day
    attempt(store, "-2.5", True, T0 + timedelta(days=2))
    sync_cards(store)
    (card,) = cards(store)
    assert card.reviews == 2 and card.state == "review"
    assert card.due - (T0 + timedelta(days=2)) > timedelta(days=1)  # the interval grows past a day
    assert due_cards(store, T0 + timedelta(days=3)) == []


def test_a_wrong_answer_at_review_brings_the_card_back_with_the_new_mistake():
    store = ProgressStore()
    attempt(store, "2.5", False, T0, "sign")
    attempt(store, "-2.5", True, T0 + timedelta(hours=2))
    attempt(store, "-2.5", True, T0 + timedelta(days=2))
    attempt(store, "-5", False, T0 + timedelta(days=9), "factor")
    sync_cards(store)
    (card,) = cards(store)
    assert (card.answer, card.diagnosis, card.state) == ("-5", "factor", "relearning")
    assert card.due == T0 + timedelta(days=9, hours=1)


def test_cards_are_saved_merged_and_stay_readable_as_format_2():
    store = mistake_made()
    sync_cards(store)
    store.save()
    raw = progress_file().read_bytes()
    data = json.loads(raw)
    assert data["format"] == 2 and KEY in data["cards"]
    older = dict(data)
    del older["cards"]
    assert parse(raw).lessons.keys() == parse(json.dumps(older).encode()).lessons.keys()  # lessons read alike
    again = ProgressStore()
    assert [c.key for c in cards(again)] == [KEY]


def test_a_file_from_before_cards_gets_its_cards_from_the_recorded_attempts():
    mistake_made()  # saved without a card section: nothing ran sync_cards
    assert "cards" not in json.loads(progress_file().read_text())
    store = ProgressStore()
    assert store.cards == {}
    sync_cards(store)
    assert [(c.step_id, c.diagnosis) for c in cards(store)] == [("grad:y", "sign")]


def test_a_damaged_card_is_named_and_the_rest_is_kept(capsys, monkeypatch):
    store = mistake_made()
    sync_cards(store)
    store.save()
    data = json.loads(progress_file().read_text())
    good = data["cards"][KEY]
    data["cards"]["chain-rule#value:y"] = dict(good, step="value:y", schedule=dict(good["schedule"], due="soon"))
    progress_file().write_text(json.dumps(data))
    status, out, err = listed(capsys, monkeypatch, T0)
    assert status == 1
    assert "the review card chain-rule#value:y: schedule: 'due' is not an ISO 8601 time (soon)" in err
    assert "moved to" in err and "chain-rule · grad:y" in out
    kept = json.loads(progress_file().read_text())
    assert list(kept["cards"]) == [KEY] and "chain-rule" in kept["lessons"]
    assert list(progress_file().parent.glob("progress.json.corrupt-*"))  # the damaged file is kept aside


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "5 Jan 2026 09:00", "\x1b[31m"])
def test_a_clock_in_an_odd_format_gets_a_clear_message(capsys, monkeypatch, text):
    monkeypatch.setenv(NOW_VAR, text)
    assert main(["review", "--list"]) == 2
    err = capsys.readouterr().err
    assert "is not an ISO 8601 time; set it like BACKPROP_TUTOR_NOW=2026-01-05T09:00:00+00:00" in err
    assert "\x1b" not in err


def test_the_clock_follows_the_variable():
    assert clock({NOW_VAR: "2026-01-05T09:00:00+00:00"}) == T0
    assert clock({NOW_VAR: "2026-01-05T09:00:00"}) == T0  # no zone: UTC
    assert abs(clock({}) - datetime.now(UTC)) < timedelta(minutes=5)
    with pytest.raises(ClockError):
        clock({NOW_VAR: "noon"})
