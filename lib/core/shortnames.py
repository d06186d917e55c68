"""Names shortened for a narrow chart (a Sankey's column on a phone): the generic head of an
activity's name dropped, whole words kept up to a limit, and names that differ kept different.

On a phone the two columns of a Sankey share some 250 px, about 18 characters of name each
beside the value. Cut there, the A129 names read alike: « Fab. d'autres ou… », « Fab. d'autres
pr… », « Construction de… » twice. Most of them begin with what makes an activity of a product
(« Fabrication de », « Transformation et conservation de »): dropped, the product remains
(« Textiles », « Autres ouvrages en métaux »). Then whole words are kept while they fit, with
« … » when some are left out; a last word too long to fit at all is cut inside (« Industrie
pharmac… »), never a small word left dangling (« Produits de… » reads « Produits… »). Names of
one column that would still read alike get their words back, one at a time, until they differ;
distinct names always end distinct (the full name, at worst), equal names stay equal.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

ELLIPSIS = "…"
# The heads that name how a product is made, not which product it is (A129's wording).
_GENERIC_HEAD = re.compile(
    r"^(?:Fabrication|Transformation et conservation) (?:de la |de l'|des |de |du |d')"
)
# Words that say nothing at the end of a shortened name.
_DANGLING = frozenset(
    {"à", "au", "aux", "avec", "d'", "de", "des", "du", "en", "et", "l'", "la", "le", "les"}
    | {"ou", "par", "pour", "sur", ";", ",", ":", "-", "–", "("}
)
_TRAILING_PUNCTUATION = " ,;:-–("
MIN_CUT_WORD = 3  # letters of a word cut inside, at least (« véh… »; fewer read as nothing)


def without_head(name: str) -> str:
    """The name without its generic head, its first letter a capital: « Fabrication de
    textiles » → « Textiles »; any other name as it is."""
    rest = _GENERIC_HEAD.sub("", name, count=1)
    if rest == name or not rest:
        return name
    return rest[0].upper() + rest[1:]


def _words(name: str) -> list[str]:
    """Words, an elided article kept apart (« d'autres » → « d' », « autres »)."""
    return re.sub(r"\b([dlDL]')", r"\1 ", name).split()


def _join(words: Sequence[str]) -> str:
    return " ".join(words).replace("' ", "'")


def _trimmed(words: list[str]) -> list[str]:
    while words and (words[-1].lower() in _DANGLING or not words[-1].strip(_TRAILING_PUNCTUATION)):
        words = words[:-1]
    if words:
        words = [*words[:-1], words[-1].rstrip(_TRAILING_PUNCTUATION)]
    if "(" in _join(words) and ")" not in _join(words).split("(")[-1]:  # « (hors » left open
        return _trimmed(_words(_join(words).rsplit("(", 1)[0]))
    return words


def _fitting(words: list[str], limit: int) -> int:
    """How many of `words` fit in `limit` characters: all of them, or some with the ellipsis
    (one at least)."""
    if len(_join(words)) <= limit:
        return len(words)
    count = 1
    while count < len(words) and len(_join(words[: count + 1])) + len(ELLIPSIS) <= limit:
        count += 1
    return count


def _label(words: list[str], count: int, limit: int) -> str:
    """The first `count` words, then « … » if some are left out: the next word cut inside when
    enough of it fits, else no small word or punctuation left dangling."""
    if count >= len(words):
        return _join(words)
    kept, following = words[:count], words[count]
    if following[0].isalnum() and following.lower() not in _DANGLING:
        cut = limit - len(_join([*kept, following[:0] or "x"])) + 1 - len(ELLIPSIS)
        if cut >= MIN_CUT_WORD:
            return _join([*kept, following[:cut]]) + ELLIPSIS
    trimmed = _trimmed(kept) or kept[:1]
    text = _join(trimmed)
    if count == 1 and len(text) + len(ELLIPSIS) > limit:  # a first word longer than the limit
        text = text[: max(limit - len(ELLIPSIS), MIN_CUT_WORD)]
    return text + ELLIPSIS


def _unclear(labels: list[str], names: Sequence[str], cut: list[bool]) -> list[int]:
    """The labels a reader could take for another name's: the same as another's, or cut where
    another name of the column begins the same way (« Construction de véh… » beside
    « Construction de véhicules automobiles »)."""
    texts = [_join(_words(without_head(name))) for name in names]
    alike: dict[str, set[str]] = defaultdict(set)
    for name, label in zip(names, labels, strict=True):
        alike[label].add(name)
    return [
        i
        for i, label in enumerate(labels)
        if len(alike[label]) > 1
        or (
            cut[i]
            and any(
                text.startswith(label.removesuffix(ELLIPSIS))
                for name, text in zip(names, texts, strict=True)
                if name != names[i]
            )
        )
    ]


def short_names(names: Sequence[str], limit: int) -> list[str]:
    """Each name in `limit` characters or so (ellipsis included), told apart from the others.

    A label that reads like another name of the column gets words back until it does not;
    names still alike with all their words (« Fabrication de textiles » and « Textiles » both
    read « Textiles ») are shown in full."""
    words = [_words(without_head(name)) for name in names]
    counts = [_fitting(w, limit) for w in words]
    full = [False] * len(names)
    while True:
        labels = [
            name if whole else _label(w, c, limit)
            for name, w, c, whole in zip(names, words, counts, full, strict=True)
        ]
        cut = [not whole and c < len(w) for w, c, whole in zip(words, counts, full, strict=True)]
        unclear = _unclear(labels, names, cut)
        if not unclear:
            return labels
        for i in unclear:
            if cut[i]:
                counts[i] += 1
            else:
                full[i] = True
