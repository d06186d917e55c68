"""SQL text for what DuckDB cannot take as a bound parameter.

Every value of a query is bound (`?`), except where SQL has no place for a parameter: the target
of COPY … TO, the file lists of read_parquet / read_csv in a view's definition, the options of
CREATE SECRET, and constant patterns or codes of the project written into a statement. Those go
through `literal`, the one place where a string is quoted for SQL. Never use it for a value a
query could bind.
"""

from __future__ import annotations


def literal(text: str) -> str:
    """`text` as a SQL string literal: single quotes doubled, everything else as written.

    Backslashes need no escaping (DuckDB's standard strings read them as written); a NUL cannot
    be held by a SQL string and is refused, as is anything but a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"a SQL literal is made of text, not {type(text).__name__}")
    if "\x00" in text:
        raise ValueError("a SQL literal cannot hold a NUL character")
    return "'" + text.replace("'", "''") + "'"
