"""Text from outside shown as data: Markdown escaping, Plotly escaping, formula-like CSV cells.

The Markdown checks read plain()'s output the way CommonMark does (a backslash before an ASCII
punctuation character stands for that character) and apply GFM's autolink-literal patterns
(as mdast-util-gfm-autolink-literal writes them); tests/e2e/test_hostile_input.py checks the
rendering in a real browser.
"""

from __future__ import annotations

import html
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.escaping import WORD_JOINER, is_formula_like, neutralised, plain, plotly_text

PAYLOADS = [
    "[Cliquez ici](http://x.fr)",
    "![x](http://x.fr/image.png)",
    "<img src=x onerror=alert(1)>",
    "**gras** _italique_ ~~barré~~ `code`",
    "# titre\n- liste\n1. un\n> citation",
    "    bloc de code",
    ":red[rouge] :material/home: $x^2$",
    "www.exemple.fr et HTTPS://exemple.fr et a.b@exemple.fr",
    "| a | b |\n|---|---|",
    "&lt;b&gt; &amp;",
]
_ESCAPE = re.compile(r"\\([" + re.escape(string.punctuation) + "])")
# GFM autolink literals, as mdast-util-gfm-autolink-literal finds them in text (JS `\w` is ASCII).
_URL = re.compile(r"(https?://|www(?=\.))([-.A-Za-z0-9_]+)", re.IGNORECASE)
_EMAIL = re.compile(r"([-.A-Za-z0-9_+]+)@([-A-Za-z0-9_]+(?:\.[-A-Za-z0-9_]+)+)")


def _as_read(markdown: str) -> str:
    """The text CommonMark shows for `markdown` made only of escapes and plain characters."""
    return _ESCAPE.sub(r"\1", markdown).replace(WORD_JOINER, "")


def _unescaped_punctuation(markdown: str) -> list[str]:
    """ASCII punctuation characters not preceded by a backslash (escapes consumed in order)."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\" and i + 1 < len(markdown) and markdown[i + 1] in string.punctuation:
            i += 2
            continue
        if markdown[i] in string.punctuation:
            found.append(markdown[i])
        i += 1
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_reads_as_the_text_with_no_markup(payload: str) -> None:
    shown = plain(payload)
    expected = "\n".join(line.lstrip(" \t") for line in payload.split("\n"))
    assert _as_read(shown) == expected
    assert _unescaped_punctuation(shown) == []
    assert not any(line.startswith((" ", "\t")) for line in shown.split("\n"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_breaks_autolinks(payload: str) -> None:
    shown = _ESCAPE.sub(r"\1", plain(payload))  # the text nodes GFM's autolink step sees
    assert _URL.search(shown) is None
    assert _EMAIL.search(shown) is None


@given(st.text())
def test_plain_of_any_text(text: str) -> None:
    shown = plain(text)
    assert _unescaped_punctuation(shown) == []
    assert _as_read(shown) == "\n".join(line.lstrip(" \t") for line in text.split("\n"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plotly_text_has_no_tag_and_reads_back(payload: str) -> None:
    shown = plotly_text(payload)
    assert "<" not in shown and ">" not in shown
    assert html.unescape(shown) == payload


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ('=HYPERLINK("http://x","Cliquez")', True),
        ("@SUM(1+1)*CMD|' /C CALC'!A0", True),
        ("+1+1", True),
        ("-1+1", True),
        ("\t=1", True),
        ("\r=1", True),
        ("-", True),
        ("-12.5", False),
        ("+3", False),
        ("-1e-05", False),
        ("-.5", False),
        ("12", False),
        ("abc", False),
        ("'=1", False),
        ("", False),
        ("a=1", False),
    ],
)
def test_formula_like_cells(cell: str, formula: bool) -> None:
    assert is_formula_like(cell) is formula
    assert neutralised(cell) == ("'" + cell if formula else cell)
