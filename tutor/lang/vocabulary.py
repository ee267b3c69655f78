"""The words of the language that name ops: which names are functions, how each op is spelled and printed.

The language layer knows no op itself. The op table, :mod:`tutor.engine.ops`, is the one place ops are
described; it sits above this layer, so it hands its words down by calling :func:`install` when it is
imported. Reading or printing before that is a loud error, never a silent misreading (``exp(x)`` taken
for ``exp·x``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

FORMS = ("call", "infix", "prefix", "postfix")
#: the namespaces of NumPy and PyTorch spellings; ``numpy.`` is read as ``np.`` and ``torch.nn.functional.`` as ``F.``
NAMESPACES = ("np", "torch", "F")


class VocabularyMissing(RuntimeError):
    """The language was used before the op table gave it its words."""


@dataclass(frozen=True)
class Word:
    """How the language writes one op: typed, in maths, and the other characters a reader accepts for it."""

    form: str  # "call" (sigmoid(x)), "infix" (a + b), "prefix" (-a) or "postfix" (a.T)
    text: str  # the typed spelling: a function's name, or an operator such as "+", "-", ".T"
    math: str  # the maths printout, with its spacing: " + ", "·", "ᵀ", a Greek letter for a function
    plain: str  # the typed printout, with its spacing: " + ", "**", a function's name
    #: other spellings read as ``text``: single characters ("×", "^", a Greek letter), NumPy and PyTorch
    #: functions ("np.exp", "torch.sigmoid", "F.relu") and methods (".sum", ".dot", ".T")
    aliases: tuple[str, ...] = ()
    arity: tuple[int, int] = (0, 0)  # a function's least and most arguments
    superscript: bool = False  # the maths printout writes a small whole right operand as a superscript (x²)
    takes_axis: bool = False  # a function's optional last argument is an axis (``axis=``/``dim=`` name it)
    reduces: bool = False  # it reduces along that axis, which NumPy drops unless ``keepdims=True``


class Vocabulary:
    """Every word of the language, looked up by form and spelling; built once from the op table."""

    def __init__(self, words: Iterable[Word]) -> None:
        self.words: dict[tuple[str, str], Word] = {}
        self.functions: dict[str, tuple[int, int]] = {}
        self.folds: dict[str, str] = {}  # a character -> the spelling it stands for
        self.spellings: dict[str, Word] = {}  # "np.exp", "torch.sigmoid" -> the word it stands for
        self.methods: dict[str, Word] = {}  # ".sum", ".dot" -> the word it stands for
        for w in words:
            if w.form not in FORMS:
                raise ValueError(f"the word {w.text!r} has an unknown form {w.form!r}")
            key = (w.form, w.text)
            if key in self.words and self.words[key] != w:
                raise ValueError(f"two ops are spelled {w.text!r} ({w.form})")
            self.words[key] = w
            if w.form == "call":
                self.functions[w.text] = w.arity
            for alias in w.aliases:
                self._alias(alias, w)

    def _alias(self, alias: str, w: Word) -> None:
        """File one alias of a word: a character, a NumPy/PyTorch function or a method."""
        if alias.startswith("."):
            _file(self.methods, alias, w)
        elif "." in alias:
            if alias.split(".", 1)[0] not in NAMESPACES:
                raise ValueError(f"the alias {alias!r} of {w.text!r} is in no namespace the reader knows")
            _file(self.spellings, alias, w)
        elif len(alias) == 1:
            if self.folds.get(alias, w.text) != w.text:
                raise ValueError(f"{alias!r} stands for both {self.folds[alias]!r} and {w.text!r}")
            self.folds[alias] = w.text
        else:
            raise ValueError(f"the alias {alias!r} of {w.text!r} is neither one character nor a dotted spelling")

    def word(self, form: str, text: str) -> Word:
        """The word of a form and spelling; KeyError when the language has none."""
        return self.words[(form, text)]


def _file(table: dict[str, Word], alias: str, w: Word) -> None:
    """Add a dotted alias to its table; two ops may not share one."""
    if table.get(alias, w) != w:
        raise ValueError(f"{alias!r} stands for both {table[alias].text!r} and {w.text!r}")
    table[alias] = w


_installed: list[Vocabulary] = []


def install(words: Iterable[Word]) -> Vocabulary:
    """Make ``words`` the language's vocabulary (the op table calls this once, when it is imported)."""
    vocabulary = Vocabulary(words)
    _installed[:] = [vocabulary]
    return vocabulary


def vocabulary() -> Vocabulary:
    """The installed vocabulary; VocabularyMissing before the op table has been imported."""
    if not _installed:
        raise VocabularyMissing(
            "the expression language has no functions yet: they come from the op table, so import "
            "tutor.engine (or tutor.engine.ops) before parsing or printing"
        )
    return _installed[0]


class Functions(Mapping[str, tuple[int, int]]):
    """The functions of the language and how many arguments each takes, (least, most): a live view."""

    def __getitem__(self, name: str) -> tuple[int, int]:
        return vocabulary().functions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(vocabulary().functions)

    def __len__(self) -> int:
        return len(vocabulary().functions)

    def __repr__(self) -> str:
        return f"Functions({dict(vocabulary().functions)!r})" if _installed else "Functions(<not installed>)"
