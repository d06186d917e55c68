"""Damaged files of a version: missing, unreadable, or disagreeing with the manifest
(`python -m lib.data.store check`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from lib.data.store.durable import path_literal
from lib.data.store.manifest import (
    DATA_FILE,
    LAYOUT,
    Manifest,
    read_manifest,
    read_previous,
    version_files,
)


@dataclass(frozen=True)
class Damage:
    """A file of a version that cannot be trusted: its path (relative to the data folder) and
    what is wrong with it, in French."""

    path: str
    problem: str


def check(data_dir: str | Path, manifest: Manifest | None = None) -> list[Damage]:
    """The damaged files of a version (default: the current one) of a local dataset: missing,
    unreadable (footer, or any page of any column: everything is decoded), or a data file
    whose rows or per-flow totals differ from what the manifest recorded when it was written.
    Empty when every file is whole. Reads only; safe beside the running app."""
    data_dir = Path(data_dir)
    manifest = read_manifest(data_dir) if manifest is None else manifest
    if manifest is None:
        return []
    con = duckdb.connect()
    damaged = []
    try:
        for rel in version_files(manifest):
            problem = _file_problem(con, data_dir / rel, rel, manifest)
            if problem:
                damaged.append(Damage(rel, problem))
    finally:
        con.close()
    return damaged


def _file_problem(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, manifest: Manifest
) -> str | None:
    if not path.is_file():
        return "fichier absent"
    source = f"read_parquet({path_literal(path)})"
    try:
        footer_rows = con.execute(
            f"SELECT sum(num_rows) FROM parquet_file_metadata({path_literal(path)})"
        ).fetchall()[0][0]
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        # min() of every column decodes every page of the file (count(*) would not).
        decode = ", ".join(f'min("{c}")' for c in columns)
        con.execute(f"SELECT count(*), {decode} FROM {source}").fetchall()
        totals = (
            con.execute(
                f"SELECT flow, count(*), sum(value_eur) FROM {source} GROUP BY flow"
            ).fetchall()
            if rel.endswith("/" + DATA_FILE) and {"flow", "value_eur"} <= set(columns)
            else []
        )
    except duckdb.Error as error:
        return f"illisible ({str(error).splitlines()[0]})"
    year = next((y for y, f in manifest.files.items() if f == rel), None)
    if year is None or manifest.layout < LAYOUT:
        return None
    parts = manifest.parts.get(year, {})
    counted = [p.rows for p in parts.values() if p.rows is not None]
    if parts and len(counted) == len(parts) and sum(counted) != footer_rows:
        return f"{footer_rows} lignes, le manifeste en annonce {sum(counted)}"
    for flow, count, total in totals:
        part = parts.get(flow)
        if part is None:
            return f"flux {flow} absent du manifeste"
        if part.rows is not None and part.rows != count:
            return f"flux {flow} : {count} lignes, le manifeste en annonce {part.rows}"
        if part.value_eur is not None and abs((total or 0.0) - part.value_eur) > max(
            1.0, 1e-9 * abs(part.value_eur)
        ):
            return f"flux {flow} : total {total:.0f} €, le manifeste annonce {part.value_eur:.0f} €"
    return None


def check_report(data_dir: str | Path) -> tuple[int, str]:
    """(exit status, French text) of `python -m lib.data.store check`: 0 when the current version
    is whole, 1 when a file is damaged (named, with whether a rollback would mend it)."""
    current = read_manifest(data_dir)
    if current is None:
        return 0, f"Aucun jeu de données dans « {data_dir} »."
    files = version_files(current)
    damaged = check(data_dir, current)
    head = (
        f"Jeu de données « {data_dir} », version {current.version} : {len(files)} fichiers vérifiés"
    )
    if not damaged:
        return 0, f"{head}, aucun n'est endommagé."
    lines = [f"{head}, {len(damaged)} endommagé{'s' if len(damaged) > 1 else ''} :"]
    lines += [f"  {d.path} : {d.problem}" for d in damaged]
    previous = read_previous(data_dir)
    if previous is not None and previous.version != current.version:
        if check(data_dir, previous):
            lines.append(
                f"La version précédente ({previous.version}) est endommagée elle aussi : "
                "réimportez les fichiers des Douanes."
            )
        else:
            lines.append(
                f"La version précédente ({previous.version}) est intacte : "
                "« python -m lib.data.store rollback » la rétablit."
            )
    else:
        lines.append(
            "Aucune version précédente n'est conservée : réimportez les fichiers des Douanes."
        )
    return 1, "\n".join(lines)
