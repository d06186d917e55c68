"""Text from outside (URLs, uploaded files, imported data) written out as data, never as markup.

- `plain()`: for Streamlit elements that read Markdown (st.info, st.warning, st.markdown…): every
  ASCII punctuation character is backslash-escaped (CommonMark renders an escaped punctuation
  character as itself), so no link, image, emphasis, heading, list, HTML tag, `$…$` formula or
  `:color[…]` directive can come out of it. GFM's autolink literals (`http://…`, `www.…`,
  e-mail addresses) are found in the text after parsing, escapes or not: an invisible WORD
  JOINER (U+2060) in `:⁠//`, `www⁠.` and `@⁠` breaks their patterns.
- `plotly_text()`: for Plotly labels, ticks and hovers, which read a few HTML tags (`<a href>`,
  `<b>`, `<br>`…): `&`, `<` and `>` become entities, which Plotly shows as the characters.
- `is_formula_like()`: a CSV cell that a spreadsheet would read as a formula (OWASP « CSV
  injection »): it begins with `=`, `+`, `-`, `@`, a tab or a carriage return and is not a number.
  The CSV writers (lib.fiche.files for pandas frames, lib.data.queries in SQL for the Données
  rows) prefix such a cell with a single quote and quote it.
"""

from __future__ import annotations

import re
import string

_MARKDOWN_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_LEADING_BLANKS = re.compile(r"^[ \t]+", re.MULTILINE)
WORD_JOINER = "\u2060"
# Where GFM autolink literals start, in escaped text: `\:\/\/`, `www\.` and `\@`.
_AUTOLINK_STARTS = re.compile(r"\\:(?=\\/\\/)|(?i:www)(?=\\\.)|\\@")

# What a spreadsheet evaluates when a cell begins with it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number (what the CSV writers emit for numbers, e.g. -12.5 or 1e-05): such a cell
# is kept as it is even when it begins with a sign. Also valid for DuckDB's regexp functions.
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)


def plain(text: object) -> str:
    """`text` as Markdown that renders as `text` reads (punctuation escaped, autolinks broken by
    invisible word joiners, no indentation that would make a code block); line breaks are
    kept."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    unlinked = _AUTOLINK_STARTS.sub(lambda match: match[0] + WORD_JOINER, escaped)
    return _LEADING_BLANKS.sub("", unlinked)


def plotly_text(text: object) -> str:
    """`text` for a Plotly label, tick or hover: shown as written, no tag interpreted."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_formula_like(cell: str) -> bool:
    """True when a spreadsheet would evaluate `cell` (see the module docstring)."""
    return cell.startswith(FORMULA_TRIGGERS) and _NUMBER.fullmatch(cell) is None


def neutralised(cell: str) -> str:
    """`cell` with a leading single quote when it is formula-like, as OWASP recommends."""
    return "'" + cell if is_formula_like(cell) else cell
