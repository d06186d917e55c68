"""The error every reader raises on bad input, and the French messages several of them share.

It sits at the bottom of the package so that each format's reader, the ZIP limits and the
entry point raise the same `IngestError`, whose text is what the user reads.
"""

from __future__ import annotations

FORMATS_FR = "CSV, TXT, XLS, XLSX, ZIP ou Parquet"
NO_DATA = "le fichier ne contient aucune ligne de données"


class IngestError(Exception):
    """Bad input, with the French message shown to the user (`str(error)`)."""

    def __init__(
        self,
        file: str,
        line: int | None,
        message: str,
        *,
        sheet: str | None = None,
        unit: str = "ligne",
    ) -> None:
        self.file = file
        self.line = line
        self.message = message
        self.sheet = sheet
        self.unit = unit
        super().__init__(str(self))

    def __str__(self) -> str:
        """`export.csv, ligne 17 : valeur « 12a » non numérique dans la colonne « Valeur ».`"""
        where = [self.file]
        if self.sheet is not None:
            where.append(f"feuille « {self.sheet} »")
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        return f"{', '.join(where)} : {self.message}."
