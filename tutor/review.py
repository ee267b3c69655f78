"""Review cards: every step a learner got wrong with a diagnosed mistake comes back, spaced out by FSRS.

A card is made (or failed again) from the attempts the progress store already records: a wrong attempt with
a diagnosis makes a card for its step, rated *Again* at the attempt's time. Once the card is due, the next
graded attempt at that step is its review: right is *Good*, wrong is *Again*. Attempts are read afresh each
time (:func:`sync_cards`), so a progress file written before cards existed gets its cards on the first run.

The schedule is the Free Spaced Repetition Scheduler (the ``fsrs`` package, pinned in pyproject.toml), with
learning steps of an hour and a day (a mistake is not worth re-asking a minute later) and no fuzzing (the
same answers give the same due times, for tests and for a teacher demonstrating it).

``BACKPROP_TUTOR_NOW`` (ISO 8601 with a time zone, e.g. ``2026-01-05T09:00:00+00:00``) sets the clock.
No Textual and no torch here.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler

from tutor.progress import Attempt, LessonProgress, ProgressStore, clean, record_key, when
from tutor.safetext import one_line

NOW_VAR = "BACKPROP_TUTOR_NOW"
LEARNING_STEPS = (timedelta(hours=1), timedelta(days=1))
RELEARNING_STEPS = (timedelta(hours=1),)
SCHEDULER = Scheduler(learning_steps=LEARNING_STEPS, relearning_steps=RELEARNING_STEPS, enable_fuzzing=False)


class ClockError(ValueError):
    """``BACKPROP_TUTOR_NOW`` is set to something that is not an ISO 8601 time; the message says what to do."""


def clock(environ: dict[str, str] | None = None) -> datetime:
    """Now: ``BACKPROP_TUTOR_NOW`` when it is set (a time without a zone is taken as UTC), else the real time."""
    text = (os.environ if environ is None else environ).get(NOW_VAR, "").strip()
    if not text:
        return datetime.now(UTC)
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(
            f"{NOW_VAR}={one_line(text)[:60]!s} is not an ISO 8601 time; "
            f"set it like {NOW_VAR}=2026-01-05T09:00:00+00:00, or unset it to use the real clock"
        ) from None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def card_key(lesson_id: str, source: str | None, step_id: str) -> str:
    """The key of a step's card in the progress file: the lesson record's key, ``#``, the step id."""
    return f"{record_key(lesson_id, source)}#{step_id}"


@dataclass(frozen=True)
class ReviewCard:
    """One card as the learner sees it: which step, the wrong answer and its diagnosis, when it is due."""

    key: str
    lesson_id: str
    source: str | None
    step_id: str
    answer: str
    diagnosis: str | None
    due: datetime
    reviews: int
    state: str
    variant: int = 0  # the variant the old answer was given in (0: the lesson as written)

    def is_due(self, now: datetime) -> bool:
        """Whether the card is due at ``now``."""
        return self.due <= now

    def to_json(self) -> dict[str, Any]:
        """The card for ``review --list --json``."""
        return {
            "key": self.key,
            "lesson": self.lesson_id,
            "source": self.source,
            "step": self.step_id,
            "answer": self.answer,
            "diagnosis": self.diagnosis,
            "due": self.due.isoformat(timespec="seconds"),
            "reviews": self.reviews,
            "state": self.state,
            "variant": self.variant,
        }


def _fsrs_card(data: dict[str, Any], key: str) -> Card:
    """The FSRS card of a stored card's schedule."""
    plan = dict(data["schedule"])
    plan["card_id"] = zlib.crc32(key.encode("utf-8", "surrogatepass")) + 1
    return Card.from_dict(plan)  # type: ignore[arg-type]


def _schedule_json(card: Card) -> dict[str, Any]:
    """A FSRS card's schedule as the progress file keeps it."""
    plan: dict[str, Any] = dict(card.to_dict())
    plan.pop("card_id", None)
    return plan


def _rate(data: dict[str, Any], key: str, rating: Rating, at: datetime) -> None:
    """Update a stored card's schedule in place with one review at ``at``."""
    card = _fsrs_card(data, key)
    last = card.last_review
    at = max(at, last) if last is not None else at  # FSRS needs reviews in time order
    card, _ = SCHEDULER.review_card(card, rating, review_datetime=at)
    data["schedule"] = _schedule_json(card)


def _new_card(record: LessonProgress, step_id: str, at: datetime) -> dict[str, Any]:
    """A fresh card for a step, not yet rated."""
    stamp = at.isoformat(timespec="milliseconds")
    plan = _schedule_json(Card(card_id=1, due=at))
    return {
        "lesson": record.lesson_id,
        "source": record.source,
        "step": clean(step_id),
        "answer": "",
        "diagnosis": None,
        "made": stamp,
        "updated": stamp,
        "reviews": 0,
        "variant": 0,
        "schedule": plan,
    }


def sync_cards(store: ProgressStore) -> bool:
    """Make and update the cards from every recorded attempt newer than its card; True if any changed."""
    changed = False
    for record in store.records():
        for step_id, step in record.steps.items():
            key = card_key(record.lesson_id, record.source, step_id)
            for attempt in step.attempts:
                at = when(attempt.at)
                if at.year < 2:  # no time recorded: it cannot be placed in a schedule
                    continue
                changed |= _apply(store, key, record, step_id, attempt, at)
    return changed


def _apply(
    store: ProgressStore,
    key: str,
    record: LessonProgress,
    step_id: str,
    attempt: Attempt,
    at: datetime,
) -> bool:
    """Apply one attempt to its step's card (making the card for a diagnosed mistake); True if it changed."""
    text, correct, diagnosis = attempt.text, attempt.correct, attempt.diagnosis
    data = store.cards.get(key)
    if data is None:
        if correct or diagnosis is None:
            return False
        data = store.cards[key] = _new_card(record, step_id, at)
        data["updated"] = ""  # so that this attempt counts
    if at <= when(data["updated"]):
        return False
    due = when(data["schedule"]["due"])
    if correct and at < due:
        return False  # right again before the card was due: not a review
    if not correct and diagnosis is None and at < due:
        return False  # an undiagnosed slip before it is due does not reschedule
    if at >= due and data["updated"]:
        data["reviews"] += 1
    if not correct and diagnosis is not None:
        data["answer"] = clean(text, 1000)
        data["diagnosis"] = diagnosis
        data["variant"] = record.variant
    _rate(data, key, Rating.Good if correct else Rating.Again, at)
    data["updated"] = at.isoformat(timespec="milliseconds")
    return True


STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


def cards(store: ProgressStore) -> list[ReviewCard]:
    """Every card, the soonest due first."""
    shown = []
    for key, data in store.cards.items():
        shown.append(
            ReviewCard(
                key=key,
                lesson_id=data["lesson"],
                source=data["source"],
                step_id=data["step"],
                answer=data["answer"],
                diagnosis=data["diagnosis"],
                due=when(data["schedule"]["due"]),
                reviews=data["reviews"],
                state=STATE_NAMES.get(data["schedule"]["state"], "learning"),
                variant=data.get("variant", 0),
            )
        )
    return sorted(shown, key=lambda c: (c.due, c.key))


def due_cards(store: ProgressStore, now: datetime) -> list[ReviewCard]:
    """The cards due at ``now``, the longest overdue first."""
    return [c for c in cards(store) if c.is_due(now)]


def reviewed(
    store: ProgressStore, key: str, text: str, correct: bool, diagnosis: str | None, at: datetime, variant: int = 0
) -> bool:
    """Rate a card by the first graded answer of a review (right: Good, wrong: Again) given in ``variant``;
    False if the card is gone."""
    data = store.cards.get(key)
    if data is None:
        return False
    data["reviews"] += 1
    if not correct and diagnosis is not None:
        data["answer"] = clean(text, 1000)
        data["diagnosis"] = diagnosis
        data["variant"] = variant
    _rate(data, key, Rating.Good if correct else Rating.Again, at)
    data["updated"] = max(at, when(data["updated"])).isoformat(timespec="milliseconds")
    return True


def card(store: ProgressStore, key: str) -> ReviewCard | None:
    """The card with this key, if there is one."""
    return next((c for c in cards(store) if c.key == key), None)


def when_due(due: datetime, now: datetime) -> str:
    """'due now', or how long until the card is due, in the largest whole unit."""
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        return "due now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"in {int(seconds // size)} {unit}"
    return "in <1 min"
