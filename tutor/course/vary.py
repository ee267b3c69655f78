"""How a lesson's numbers vary (its ``vary:`` section): one rule per input or constant, read and checked.

Variant 0 of a lesson is the lesson as written; variant K ≥ 1 draws every varied leaf from its rule
(:mod:`tutor.course.variant` draws, :mod:`tutor.authoring.variants` keeps only clean draws). A rule is a mapping::

    vary:
      x: {range: [-3, 3], step: 0.5, avoid: [0]}   # every entry from the grid -3, -2.5, ..., 3, never 0
      t: {one_of: [1, 2.5, 4]}                     # every entry from a set of values
      W: {range: [-1.5, 1.5], step: 0.1, distinct: true, not_symmetric: true}
      b: {entries: [[{range: [-1, 1], step: 0.1}], [0.5], [{one_of: [1, 2]}]]}  # entry by entry; a number stays
      Y: {labels: true}                            # 0 or 1 each, both present when there are several entries
      T: {one_hot: true}                           # each row one 1 and zeros (a vector: one 1)

Every size is bounded before anything is drawn (:data:`MAX_CHOICES` values a rule, :data:`MAX_LESSON_CHOICES` in
all), and a rule that cannot give a value (an empty grid, every value avoided, fewer values than ``distinct``
entries, ``not_symmetric`` on a matrix that is not square) is an error at its ``file:line:col``. This module
imports neither NumPy nor the engine: the lesson-list index reads a file's rules too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.course.format import Outline, Reader

#: values one rule (or one entry's rule) may offer, and all the rules of a lesson together
MAX_CHOICES = 10_000
MAX_LESSON_CHOICES = 200_000
#: digits after the point a drawn value keeps (a grid's values are rounded to its step's digits)
MAX_DECIMALS = 12

#: a rule's keys, with what each holds (the docs and the JSON Schema are written from this)
RULE_DOCS: dict[str, str] = {
    "range": "[low, high]: every entry from the grid low, low + step, ..., up to high (needs step).",
    "step": "The grid's spacing, a positive number: 1 for integers, 0.5, 0.1 ...",
    "one_of": "A list of values every entry is drawn from.",
    "avoid": "Values never drawn (e.g. [0]), with range or one_of.",
    "entries": "Entry by entry, shaped like the leaf: each a rule {range, step} or {one_of}, or a number kept fixed.",
    "labels": "true: each entry 0 or 1 (class labels), both present when there are several entries.",
    "one_hot": "true: each row holds one 1 and zeros (a vector: one 1), e.g. one-hot targets.",
    "distinct": "true: no two entries are equal (equal weights let a transposed answer pass).",
    "not_symmetric": "true: a square matrix never equal to its transpose (so a forgotten .T is caught).",
}
RULE_KEYS = tuple(RULE_DOCS)
SOURCES = ("range", "one_of", "entries", "labels", "one_hot")
ENTRY_KEYS = ("range", "step", "one_of", "avoid")
FLAGS = ("labels", "one_hot", "distinct", "not_symmetric")
EXAMPLE = "x: {range: [-2, 2], step: 0.5}"
#: the largest variant number (a 31-bit K keeps the CLI's and the progress file's numbers plain)
MAX_VARIANT = 2**31 - 1
#: the mark between a lesson's content hash and a variant's number: ``3fa2…/variant-4``
VARIANT_MARK = "/variant-"

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Choices:
    """The values one entry may take, in the order written (a grid rising from its low end)."""

    values: tuple[float, ...]


@dataclass(frozen=True)
class LeafRule:
    """How one input or constant varies: where its values come from, its constraints, where the rule stands."""

    name: str
    shape: tuple[int, ...]
    source: str  # one of SOURCES
    choices: Choices | None = None  # range and one_of: every entry draws from these
    entries: tuple[Choices | float, ...] = ()  # entries: row-major, a number is kept fixed
    distinct: bool = False
    not_symmetric: bool = False
    line: int = 0
    col: int = 0

    @property
    def size(self) -> int:
        """How many entries the leaf has."""
        return math.prod(self.shape)


def variant_hash(content_hash: str, k: int) -> str:
    """The content hash of variant ``k`` (``k`` = 0: the lesson's own): progress keys each variant by it."""
    return content_hash if k == 0 else f"{base_hash(content_hash)}{VARIANT_MARK}{k}"


def base_hash(content_hash: str) -> str:
    """The content hash of the lesson as written, from a variant's hash (or the lesson's own)."""
    return content_hash.split(VARIANT_MARK, 1)[0]


def variant_of(content_hash: str) -> int:
    """The variant number a content hash names (0 for the lesson as written, or a malformed suffix)."""
    _, _, k = content_hash.partition(VARIANT_MARK)
    return int(k) if k.isdigit() and len(k) <= 10 and int(k) <= MAX_VARIANT else 0


def shape_of(value: Any) -> tuple[int, ...]:
    """The shape of a leaf as the outline holds it: a number, a list or a list of rows."""
    if not isinstance(value, list):
        return ()
    if value and isinstance(value[0], list):
        return (len(value), len(value[0]))
    return (len(value),)


def read_vary(r: Reader, data: dict[Any, Any], out: Outline) -> None:
    """``vary``: a rule for each input or constant that varies, into ``out.vary``."""
    if "vary" not in data:
        return
    block = data["vary"]
    if not isinstance(block, dict) or not block:
        r.err(("vary",), f"'vary' maps inputs and constants to how they vary, e.g. {EXAMPLE}")
        return
    from tutor.course.steps import did_you_mean  # the rules' data alone (progress reads hashes) needs no steps

    budget = [MAX_LESSON_CHOICES]
    leaves = {**out.inputs, **out.constants}
    for name, raw in block.items():
        path = ("vary", name)
        if name in out.broken:
            continue
        if not isinstance(name, str) or name not in leaves:
            known = tuple(sorted(leaves))
            shown = name if isinstance(name, str) else str(name)
            r.err(
                path,
                f"vary: {shown!r} is not an input or constant of this lesson{did_you_mean(shown, known, 'its leaves')}",
                key=True,
            )
            continue
        rule = _read_rule(r, raw, path, name, shape_of(leaves[name]), budget)
        if rule is not None:
            out.vary[name] = rule


def _read_rule(
    r: Reader, raw: Any, path: Path_, name: str, shape: tuple[int, ...], budget: list[int]
) -> LeafRule | None:
    """One leaf's rule: its one source of values, its flags and constraints, checked against the leaf's shape."""
    if not isinstance(raw, dict):
        r.err(path, f"vary: {name}: a rule is a mapping, e.g. {{range: [-2, 2], step: 0.5}} or {{one_of: [0, 1]}}")
        return None
    before = len(r.problems)
    r.check_keys(raw, path, RULE_KEYS, "a vary rule")
    flags = {k: _flag(r, raw, path, name, k) for k in FLAGS}
    sources = [k for k in SOURCES if k in raw and (k not in FLAGS or flags[k])]
    if len(sources) != 1:
        found = f" (found {', '.join(sources)})" if sources else ""
        r.err(path, f"vary: {name}: give exactly one of {', '.join(k + ':' for k in SOURCES)}{found}")
        return None
    source = sources[0]
    if "step" in raw and source != "range":
        r.err((*path, "step"), f"vary: {name}: step: goes with range:")
    if "avoid" in raw and source not in ("range", "one_of"):
        r.err((*path, "avoid"), f"vary: {name}: avoid: goes with range: or one_of:")
    choices: Choices | None = None
    entries: tuple[Choices | float, ...] = ()
    if source in ("range", "one_of"):
        choices = read_choices(r, raw, path, name, budget)
    elif source == "entries":
        entries = _read_entries(r, raw["entries"], (*path, "entries"), name, shape, budget) or ()
    m = r.doc.key_mark(path)
    rule = LeafRule(
        name, shape, source, choices, entries, flags["distinct"], flags["not_symmetric"], line=m.line, col=m.col
    )
    _check_rule(r, rule, path)
    return rule if len(r.problems) == before else None


def _flag(r: Reader, raw: dict[Any, Any], path: Path_, name: str, key: str) -> bool:
    """A true/false flag of a rule (absent: false)."""
    v = raw.get(key, False)
    if not isinstance(v, bool):
        r.err((*path, key), f"vary: {name}: {key}: is true or false")
        return False
    return v


def _check_rule(r: Reader, rule: LeafRule, path: Path_) -> None:
    """What the leaf's shape and the rule's values allow: one-hot rows, distinct entries, a square matrix."""
    name, shape = rule.name, rule.shape
    if rule.source == "one_hot" and (not shape or shape[-1] < 2):
        r.err((*path, "one_hot"), f"vary: {name}: one_hot: needs a vector or a matrix with at least 2 columns")
    if rule.distinct:
        offered = len(rule.choices.values) if rule.choices is not None else rule.size
        if rule.size < 2 or rule.source in ("labels", "one_hot"):
            r.err((*path, "distinct"), f"vary: {name}: distinct: needs a vector or a matrix of drawn values")
        elif offered < rule.size:
            r.err(
                (*path, "distinct"),
                f"vary: {name}: distinct: {name} has {rule.size} entries but its rule offers only {offered} values; "
                "widen the range or use a smaller step",
            )
    if rule.not_symmetric:
        square = len(shape) == 2 and shape[0] == shape[1] and shape[0] >= 2
        if not square:
            shown = "×".join(map(str, shape)) or "a number"
            r.err(
                (*path, "not_symmetric"),
                f"vary: {name}: not_symmetric: is for a square matrix; {name} is {shown}",
            )
        elif rule.choices is not None and len(rule.choices.values) < 2:
            r.err((*path, "not_symmetric"), f"vary: {name}: not_symmetric: needs at least two values to draw from")


def read_choices(r: Reader, raw: dict[Any, Any], path: Path_, name: str, budget: list[int]) -> Choices | None:
    """The values of a ``range``/``step`` grid or a ``one_of`` set, without the ``avoid`` values."""
    if "range" in raw:
        values = _grid(r, raw, path, name)
    else:
        values = _numbers(r, raw.get("one_of"), (*path, "one_of"), name, "one_of")
    if values is None:
        return None
    if "avoid" in raw:
        avoid = _numbers(r, raw["avoid"], (*path, "avoid"), name, "avoid")
        if avoid is None:
            return None
        values = [v for v in values if not any(math.isclose(v, a, rel_tol=1e-12, abs_tol=1e-12) for a in avoid)]
        if not values:
            r.err((*path, "avoid"), f"vary: {name}: every value is avoided: leave some to draw from")
            return None
    values = list(dict.fromkeys(values))
    if len(values) > budget[0]:
        r.err(path, f"vary: the rules offer more than {MAX_LESSON_CHOICES} values in all; use larger steps")
        return None
    budget[0] -= len(values)
    return Choices(tuple(values))


def _grid(r: Reader, raw: dict[Any, Any], path: Path_, name: str) -> list[float] | None:
    """``range: [low, high]`` with ``step``: low, low + step, ... up to high, rounded to the step's digits."""
    bounds = raw["range"]
    if not isinstance(bounds, list) or len(bounds) != 2:
        r.err((*path, "range"), f"vary: {name}: range: is [low, high], e.g. [-2, 2]")
        return None
    low = r.number(bounds[0], (*path, "range", 0), f"vary: {name}: range")
    high = r.number(bounds[1], (*path, "range", 1), f"vary: {name}: range")
    if low is None or high is None:
        return None
    if not low < high:
        r.err((*path, "range"), f"vary: {name}: range: [{bounds[0]}, {bounds[1]}] is empty: the low end comes first")
        return None
    if "step" not in raw:
        r.err(path, f"vary: {name}: range: needs a step, e.g. step: 0.5 (or step: 1 for integers)")
        return None
    step = r.number(raw["step"], (*path, "step"), f"vary: {name}: step")
    if step is None:
        return None
    if step <= 0:
        r.err((*path, "step"), f"vary: {name}: step: must be positive, e.g. 0.5")
        return None
    count = math.floor((high - low) / step + 1e-9) + 1
    if count > MAX_CHOICES:
        r.err(
            (*path, "step"),
            f"vary: {name}: range and step give {count} values, more than {MAX_CHOICES}: use a larger step",
        )
        return None
    digits = max(_decimals(low), _decimals(step))
    return [round(low + i * step, digits) for i in range(count)]


def _decimals(x: float) -> int:
    """The digits after the point a number is written with (``0.25``: 2), at most MAX_DECIMALS."""
    from decimal import Decimal  # only when rules are read: the progress store imports this module at start

    exponent = Decimal(repr(x)).as_tuple().exponent
    return min(MAX_DECIMALS, max(0, -exponent)) if isinstance(exponent, int) else 0


def _numbers(r: Reader, raw: Any, path: Path_, name: str, key: str) -> list[float] | None:
    """A non-empty list of at most MAX_CHOICES numbers."""
    if not isinstance(raw, list) or not raw:
        r.err(path, f"vary: {name}: {key}: is a list of numbers, e.g. [0, 1]")
        return None
    if len(raw) > MAX_CHOICES:
        r.err(path, f"vary: {name}: {key}: {len(raw)} values, more than {MAX_CHOICES}")
        return None
    values = [r.number(x, (*path, i), f"vary: {name}: {key}") for i, x in enumerate(raw)]
    return None if any(v is None for v in values) else [float(v) for v in values if v is not None]


def _read_entries(
    r: Reader, raw: Any, path: Path_, name: str, shape: tuple[int, ...], budget: list[int]
) -> tuple[Choices | float, ...] | None:
    """``entries``: a rule or a fixed number for each entry, shaped like the leaf; row-major."""
    if not shape:
        r.err(
            path, f"vary: {name}: entries: is for a vector or a matrix; give {name} a rule such as {{one_of: [1, 2]}}"
        )
        return None
    rows = raw if len(shape) == 2 else [raw]
    ok = isinstance(raw, list) and len(rows) == (shape[0] if len(shape) == 2 else 1)
    ok = ok and all(isinstance(row, list) and len(row) == shape[-1] for row in rows)
    if not ok:
        want = "×".join(map(str, shape))
        r.err(path, f"vary: {name}: entries: must be shaped like {name}, {want}: one rule or number per entry")
        return None
    out: list[Choices | float] = []
    for i, row in enumerate(rows):
        for j, item in enumerate(row):
            at = (*path, i, j) if len(shape) == 2 else (*path, j)
            entry = _read_entry(r, item, at, name, budget)
            if entry is None:
                return None
            out.append(entry)
    return tuple(out)


def _read_entry(r: Reader, item: Any, path: Path_, name: str, budget: list[int]) -> Choices | float | None:
    """One entry's rule ({range, step} or {one_of}, with avoid), or a number kept fixed."""
    if isinstance(item, list):
        r.err(path, f"vary: {name}: entries: each entry is a number or a rule such as {{one_of: [1, 2]}}, not a list")
        return None
    if not isinstance(item, dict):
        return r.number(item, path, f"vary: {name}: entries")
    r.check_keys(item, path, ENTRY_KEYS, "an entry's rule")
    if ("range" in item) == ("one_of" in item):
        r.err(path, f"vary: {name}: an entry's rule has exactly one of range: and one_of:")
        return None
    return read_choices(r, item, path, name, budget)
