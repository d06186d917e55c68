"""The URL is the state: parse, validate and write back the query parameters of each page.

Every page reads its parameters through these functions, so a shared link always reproduces
the view, and a parameter that is unknown or malformed falls back to its default with a
French notice instead of an error. Codes are checked against the reference tables here,
before anything reaches a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from lib import refs
from lib.territory import FRANCE, InvalidTerritory, Level, Territory, parse_territory

# URL words (French, as users share them) <-> internal levels.
LEVEL_WORDS: dict[str, Level] = {"departement": "dept", "region": "region", "france": "france"}
WORD_OF_LEVEL: dict[Level, str] = {v: k for k, v in LEVEL_WORDS.items()}
FLUX_CHOICES = ("export", "import", "tous")
TOP_MIN, TOP_MAX, TOP_DEFAULT = 3, 25, 10
MAP_METRIC_DEFAULT = "exports"

Params = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class FicheState:
    territory: Territory
    year: int
    top: int = TOP_DEFAULT
    flux: str = "tous"

    def to_params(self) -> dict[str, str]:
        params = {"niveau": WORD_OF_LEVEL[self.territory.level]}
        if self.territory.level != "france":
            params["code"] = self.territory.code
        params |= {"annee": str(self.year), "top": str(self.top), "flux": self.flux}
        return params

    @property
    def shows_exports(self) -> bool:
        return self.flux in ("export", "tous")

    @property
    def shows_imports(self) -> bool:
        return self.flux in ("import", "tous")


@dataclass(frozen=True)
class DataFilter:
    """The Données page: a territory, a year range, a flow, products and countries."""

    territory: Territory
    first_year: int
    last_year: int
    flux: str = "tous"
    products: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] = field(default_factory=tuple)
    first_quarter: int = 1  # the period runs from (first_year, first_quarter)
    last_quarter: int = 4  # to (last_year, last_quarter), both included
    cpf4: tuple[str, ...] = field(default_factory=tuple)

    def to_params(self) -> dict[str, str]:
        params = {"niveau": WORD_OF_LEVEL[self.territory.level]}
        if self.territory.level != "france":
            params["code"] = self.territory.code
        params |= {"debut": str(self.first_year), "fin": str(self.last_year), "flux": self.flux}
        if (self.first_quarter, self.last_quarter) != (1, 4):
            params |= {"tdebut": str(self.first_quarter), "tfin": str(self.last_quarter)}
        if self.products:
            params["produits"] = ",".join(self.products)
        if self.cpf4:
            params["cpf4"] = ",".join(self.cpf4)
        if self.countries:
            params["pays"] = ",".join(self.countries)
        return params


def _one(params: Params, key: str) -> str | None:
    """A parameter's value (the last one when repeated), stripped; None when absent."""
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        value = value[-1] if len(value) else ""
    return value.strip()


def parse_territory_params(params: Params, notices: list[str]) -> Territory:
    word = _one(params, "niveau")
    if word is None:
        return FRANCE if _one(params, "code") is None else _territory_from_code(params, notices)
    level = LEVEL_WORDS.get(word.lower())
    if level is None:
        notices.append(f"Niveau « {word} » inconnu : affichage de la France entière.")
        return FRANCE
    try:
        return parse_territory(level, _one(params, "code"))
    except InvalidTerritory as error:
        notices.append(f"{error} Affichage de la France entière.")
        return FRANCE


def _territory_from_code(params: Params, notices: list[str]) -> Territory:
    """A bare `code=53` (no niveau) is read as a département, the common case."""
    try:
        return parse_territory("dept", _one(params, "code"))
    except InvalidTerritory as error:
        notices.append(f"{error} Affichage de la France entière.")
        return FRANCE


def parse_year(
    params: Params, key: str, years: Sequence[int], default: int, notices: list[str]
) -> int:
    raw = _one(params, key)
    if raw is None or raw == "":
        return default
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    notices.append(f"Année « {raw} » indisponible : affichage de {default}.")
    return default


def parse_top(params: Params, notices: list[str]) -> int:
    raw = _one(params, "top")
    if raw is None or raw == "":
        return TOP_DEFAULT
    if raw.isdigit() and TOP_MIN <= int(raw) <= TOP_MAX:
        return int(raw)
    notices.append(
        f"Nombre de postes « {raw} » invalide (de {TOP_MIN} à {TOP_MAX}) : {TOP_DEFAULT} affichés."
    )
    return TOP_DEFAULT


def parse_flux(params: Params, notices: list[str]) -> str:
    raw = _one(params, "flux")
    if raw is None or raw == "":
        return "tous"
    if raw.lower() in FLUX_CHOICES:
        return raw.lower()
    notices.append(f"Flux « {raw} » inconnu : exportations et importations affichées.")
    return "tous"


def parse_fiche(params: Params, years: Sequence[int]) -> tuple[FicheState, list[str]]:
    """The fiche's state from its URL, and the notices for every parameter set aside."""
    notices: list[str] = []
    latest = max(years) if years else 0
    state = FicheState(
        territory=parse_territory_params(params, notices),
        year=parse_year(params, "annee", years, latest, notices),
        top=parse_top(params, notices),
        flux=parse_flux(params, notices),
    )
    return state, notices


def _codes(params: Params, key: str, known: set[str], what: str, notices: list[str]) -> tuple:
    raw = _one(params, key)
    if not raw:
        return ()
    codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
    unknown = [c for c in codes if c not in known]
    if unknown:
        notices.append(f"{what} inconnus ignorés : {', '.join(unknown)}.")
    return tuple(dict.fromkeys(c for c in codes if c in known))


def parse_quarter(params: Params, key: str, default: int, notices: list[str]) -> int:
    raw = _one(params, key)
    if raw is None or raw == "":
        return default
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 4:
        return int(raw)
    notices.append(f"Trimestre « {raw} » invalide (de 1 à 4) : T{default} retenu.")
    return default


def parse_data_filter(
    params: Params, years: Sequence[int], cpf4_codes: Sequence[str] = ()
) -> tuple[DataFilter, list[str]]:
    """The Données filter; `cpf4_codes` are the CPF4 codes of the dataset (none are valid
    when it has none)."""
    notices: list[str] = []
    first_default = min(years) if years else 0
    last_default = max(years) if years else 0
    first = parse_year(params, "debut", years, first_default, notices)
    last = parse_year(params, "fin", years, last_default, notices)
    first_q = parse_quarter(params, "tdebut", 1, notices)
    last_q = parse_quarter(params, "tfin", 4, notices)
    if (first, first_q) > (last, last_q):
        notices.append("Période inversée : les deux bornes ont été échangées.")
        first, first_q, last, last_q = last, last_q, first, first_q
    data_filter = DataFilter(
        territory=parse_territory_params(params, notices),
        first_year=first,
        last_year=last,
        flux=parse_flux(params, notices),
        products=_codes(params, "produits", set(refs.products()["code"]), "Produits", notices),
        countries=_codes(params, "pays", set(refs.countries()["code"]), "Pays", notices),
        first_quarter=first_q,
        last_quarter=last_q,
        cpf4=_codes(params, "cpf4", set(cpf4_codes), "Codes CPF4", notices),
    )
    return data_filter, notices


@dataclass(frozen=True)
class MapState:
    """The Carte page: its year, the metric colouring the départements, the one outlined."""

    year: int
    metric: str = MAP_METRIC_DEFAULT
    selected: str | None = None

    def to_params(self) -> dict[str, str]:
        params = {"annee": str(self.year), "indicateur": self.metric}
        if self.selected:
            params["code"] = self.selected
        return params


def parse_map(
    params: Params, years: Sequence[int], metrics: Sequence[str]
) -> tuple[MapState, list[str]]:
    notices: list[str] = []
    year = parse_year(params, "annee", years, max(years) if years else 0, notices)
    metric = _one(params, "indicateur") or MAP_METRIC_DEFAULT
    if metric not in metrics:
        notices.append(f"Indicateur « {metric} » inconnu : exportations affichées.")
        metric = MAP_METRIC_DEFAULT
    raw_code = _one(params, "code")
    selected = refs.normalize_dept(raw_code) if raw_code else None
    if raw_code and selected is None:
        notices.append(f"Département inconnu : « {raw_code} ».")
    return MapState(year, metric, selected), notices


def with_territory(state: FicheState, territory: Territory) -> FicheState:
    return replace(state, territory=territory)
