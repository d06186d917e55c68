"""lib.core.sql.literal: what DuckDB reads back is the text as given, or the text is refused."""

from __future__ import annotations

import duckdb
import pytest

from lib.core.sql import literal


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        "it's",
        "''",
        "'; DROP TABLE trade; --",
        "C:\\data\\2024",
        "\\'",
        "trailing \\",
        "Côte-d'Or – 1 773,5 M€ 😀",
        "line\nbreak\ttab",
        '"double"',
    ],
)
def test_duckdb_reads_the_literal_back_as_the_text(text: str) -> None:
    assert literal(text).startswith("'") and literal(text).endswith("'")
    assert duckdb.sql(f"SELECT {literal(text)}").fetchone() == (text,)


def test_a_file_path_with_a_quote_is_read_as_written(tmp_path) -> None:
    path = tmp_path / "l'export.parquet"
    duckdb.sql("SELECT 42 AS answer").write_parquet(str(path))
    assert duckdb.sql(f"SELECT answer FROM read_parquet({literal(str(path))})").fetchone() == (42,)


def test_nul_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL"):
        literal("a\x00b")


@pytest.mark.parametrize("value", [None, 3, b"bytes"])
def test_only_text_is_quoted(value: object) -> None:
    with pytest.raises(TypeError):
        literal(value)  # type: ignore[arg-type]
