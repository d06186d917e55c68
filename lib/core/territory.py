"""A territory the explorer can show: a département, a région, or France as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lib.core import refs

Level = Literal["dept", "region", "france"]
LEVELS: tuple[Level, ...] = ("dept", "region", "france")
FRANCE_CODE = "FR"


class InvalidTerritory(ValueError):
    """A level or code that is not in the reference tables."""


@dataclass(frozen=True)
class Territory:
    level: Level
    code: str

    @property
    def name(self) -> str:
        if self.level == "dept":
            return refs.dept_name(self.code)
        if self.level == "region":
            return refs.region_name(self.code)
        return "France entière"

    @property
    def depts(self) -> list[str] | None:
        """The départements it covers; None for France (every row of the dataset)."""
        if self.level == "dept":
            return [self.code]
        if self.level == "region":
            return refs.depts_of_region(self.code)
        return None

    @property
    def region(self) -> Territory | None:
        """The région it belongs to (a région is its own région); None for France."""
        if self.level == "dept":
            region_code = refs.region_of_dept(self.code)
            return Territory("region", region_code) if region_code else None
        if self.level == "region":
            return self
        return None

    @property
    def parent_region_name(self) -> str | None:
        """The name of the région a département belongs to (None for a région or France): the
        région the fiche's sentences name."""
        region = self.region if self.level == "dept" else None
        return region.name if region is not None else None

    @property
    def comparisons(self) -> list[Territory]:
        """What a fiche compares it with: a département's région, then France (a région: France
        only; France: nothing)."""
        region = self.region if self.level == "dept" else None
        return [*([region] if region else []), *([FRANCE] if self != FRANCE else [])]

    @property
    def label(self) -> str:
        """How the fiche names it, e.g. « Mayenne (53) »."""
        return self.name if self.level == "france" else f"{self.name} ({self.code})"


FRANCE = Territory("france", FRANCE_CODE)


def parse_territory(level: object, code: object = None) -> Territory:
    """Validate a (level, code) pair against the reference tables.

    Département codes are normalised (`1` → `01`, `2a` → `2A`); anything unknown raises
    InvalidTerritory with a French message, so no unchecked code ever reaches a query.
    """
    if level == "france":
        return FRANCE
    if level == "dept":
        dept = refs.normalize_dept(code)
        if dept is None:
            raise InvalidTerritory(f"Département inconnu : « {code} ».")
        return Territory("dept", dept)
    if level == "region":
        region = str(code).strip().zfill(2) if isinstance(code, str | int) else None
        if region is None or not refs.is_region(region):
            raise InvalidTerritory(f"Région inconnue : « {code} ».")
        return Territory("region", region)
    raise InvalidTerritory(f"Niveau inconnu : « {level} » (attendu : dept, region ou france).")
