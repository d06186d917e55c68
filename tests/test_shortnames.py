"""Names shortened for a narrow chart (lib/core/shortnames.py): distinct where the names are."""

from __future__ import annotations

import csv
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core import config, shortnames
from lib.core.shortnames import ELLIPSIS, short_names, without_head

# Words of the A129 names and of country names, and their small words: names drawn from them
# read alike once cut, the case the shortening must survive.
WORDS = st.sampled_from(
    [
        *("Fabrication", "de", "d'autres", "machines", "produits", "et", "Construction"),
        *("Autres", "usage", "général", "spécifique", "(hors", "UE)", "l'acier", "à", "x"),
        *("Royaume-Uni", "Transformation", "conservation", "la", "viande", "Industrie"),
        *("pharmaceutique", ","),
    ]
)
NAMES = st.lists(WORDS, min_size=1, max_size=9).map(" ".join)


def reference_names() -> list[str]:
    with open(config.ROOT / "data" / "ref" / "products.csv", encoding="utf-8") as handle:
        return [row["name"] for row in csv.DictReader(handle)]


@given(st.lists(NAMES, max_size=14), st.integers(min_value=6, max_value=30))
def test_distinct_names_stay_distinct_and_equal_names_equal(names, limit):
    labels = short_names(names, limit)
    assert len(labels) == len(names)
    for i, j in itertools.combinations(range(len(names)), 2):
        assert (labels[i] == labels[j]) == (names[i] == names[j]), (names[i], names[j], labels)


@given(st.lists(NAMES, min_size=1, max_size=14, unique=True), st.integers(6, 30))
def test_a_label_is_the_start_of_its_name_or_the_name(names, limit):
    """Made of the name's own words (its generic head dropped), never of another's."""
    for name, label in zip(names, short_names(names, limit), strict=True):
        text = label.removesuffix(ELLIPSIS)
        assert label == name or " ".join(without_head(name).split()).startswith(text), (
            name,
            label,
        )


@given(st.lists(NAMES, min_size=2, max_size=14, unique=True), st.integers(6, 30))
def test_a_cut_label_is_not_the_start_of_another_name(names, limit):
    """« Construction de véh… » beside « Construction de véhicules automobiles » could be
    either: the cut one gets words back."""
    texts = [" ".join(without_head(name).split()) for name in names]
    for name, label in zip(names, short_names(names, limit), strict=True):
        if label != name and label.endswith(ELLIPSIS):
            start = label.removesuffix(ELLIPSIS)
            others = [t for n, t in zip(names, texts, strict=True) if n != name]
            assert not any(t.startswith(start) for t in others), (name, label, names)


@given(st.lists(NAMES, min_size=2, max_size=14, unique=True), st.integers(6, 30))
def test_a_label_longer_than_its_limit_ends_on_a_whole_word(names, limit):
    """Given words back, a label keeps them whole (« Construction de véhicules militaires… »,
    never « Construction de véh… » again)."""
    for name, label in zip(names, short_names(names, limit), strict=True):
        text = label.removesuffix(ELLIPSIS)
        if len(label) > limit and label != name and len(text.split()) > 1:
            rest = " ".join(without_head(name).split())[len(text) :]
            assert rest[:1] in {" ", ",", ";", ""}, (name, label)


@given(NAMES, st.integers(min_value=6, max_value=30))
def test_a_name_alone_fits_its_limit_unless_a_word_is_longer(name, limit):
    (label,) = short_names([name], limit)
    words = without_head(name).split()
    if len(words[0]) <= limit - len(ELLIPSIS):
        assert len(label) <= limit, label
    assert label.count(ELLIPSIS) <= 1


def test_the_a129_names_read_apart_on_a_phone():
    names = reference_names()
    assert len(names) == 90
    labels = short_names(names, 20)
    assert len(set(labels)) == len(names)
    # Longer only where two would read alike (« Construction de véh… » twice).
    assert [label for label in labels if len(label) > 20] == [
        "Instruments et d'appareils…",
        "Autres machines d'usage général",
        "Autres machines d'usage spécifique",
        "Construction de véhicules automobiles",
        "Construction de véhicules militaires…",
        "Instruments et de fournitures…",
    ]
    # Nothing reduced to a lone small word, no dangling punctuation before the ellipsis.
    for label in labels:
        assert label.removesuffix(ELLIPSIS)[-1:] not in {",", ";", "(", "'", " ", ""}, label


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Fabrication de textiles", "Textiles"),
        ("Fabrication d'autres ouvrages en métaux", "Autres ouvrages…"),
        ("Industrie pharmaceutique", "Industrie pharmaceu…"),
        ("Construction de véhicules automobiles", "Construction de véh…"),
        ("Transformation et conservation de la viande et préparation", "Viande et préparati…"),
        ("Pêche et aquaculture", "Pêche et aquaculture"),  # 20 characters: whole
        ("Fabrication de savons, de produits d'entretien", "Savons, de produits…"),
        ("Royaume-Uni (hors Irlande du Nord)", "Royaume-Uni…"),
        ("Extraction d'hydrocarbures", "Extraction d'hydroc…"),
    ],
)
def test_shortened_at_word_boundaries(name, label):
    assert short_names([name], 20) == [label]


def test_alike_names_get_their_words_back_until_they_differ():
    names = [
        "Fabrication d'autres machines d'usage général",
        "Fabrication d'autres machines d'usage spécifique",
        "Fabrication de textiles",
    ]
    assert short_names(names, 20) == [
        "Autres machines d'usage général",
        "Autres machines d'usage spécifique",
        "Textiles",
    ]
    # Alike even in full once the head is dropped: shown as they are.
    assert short_names(["Fabrication de textiles", "Textiles"], 20) == [
        "Fabrication de textiles",
        "Textiles",
    ]


def test_only_a_generic_head_is_dropped():
    assert without_head("Fabrication d'éléments en métal") == "Éléments en métal"
    assert without_head("Fabrication de") == "Fabrication de"  # nothing would be left
    assert without_head("Travail du bois et fabrication d'articles") == (
        "Travail du bois et fabrication d'articles"
    )
    assert shortnames.short_names([], 20) == []
