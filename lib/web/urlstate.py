"""The URL is the state: parse, validate and write back the query parameters of each page.

Every page reads its parameters through these functions, so a shared link always reproduces
the view, and a parameter that is unknown or malformed falls back to its default with a
French notice instead of an error. Codes are checked against the reference tables here,
before anything reaches a query.

Rules shared by every page (the pages render the notices as plain text: see
lib.core.escaping.plain):

- A number is ASCII digits only (`²`, `①`, `٣` are not numbers: the default is shown, with a
  notice), of a bounded length.
- A parameter given several times (`top=5&top=12`): the last value is kept and a notice says so
  (« Paramètre « top » répété : la dernière valeur est retenue. »); the URL written back has it
  once.
- A parameter the page does not read is ignored with a notice naming it, and dropped from the
  URL written back.
- A value quoted in a notice is cut after QUOTE_MAX characters (its length is then given), its
  control characters shown as « � »; at most LIST_MAX values are listed.
- A query string Streamlit would discard whole before the page runs (more than 1 000
  parameters or 512 Ki characters: the page would silently show its defaults) is first reduced
  by `reduced_query_string` (installed by pages/parts/components.py): each parameter keeps its last
  two values, so that the rules above still apply (« Paramètre « top » répété… »). When even
  that is too long, the page receives DISCARDED_KEY alone and says the address was ignored.
- An address without any parameter (a page chosen in the menu) is read as `context_params`
  makes it of the visitor's `Context`, the territory and year she last saw (pages/parts/wiring.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from lib.core import flows, formatting, partners, refs, sections

# The states and their bounds are lib.core.states's (the data layer reads them without this module);
# they stay importable from here for the pages that name them urlstate.FicheState….
from lib.core.states import (
    COMPARE_MAX,
    DEFAULT_ELASTICITY,
    DEFAULT_PRODUCT,
    ELASTICITY_MAX,
    ELASTICITY_MIN,
    MAP_METRIC_DEFAULT,
    TARIFF_DEFAULT,
    TARIFF_MAX,
    TARIFF_MIN,
    TOP_DEFAULT,
    TOP_MAX,
    TOP_MIN,
    ComparedLevel,
    ComparisonState,
    CountryState,
    DataFilter,
    DiversificationState,
    EvolutionState,
    ExpositionState,
    FicheState,
    MapState,
    ProductState,
    default_data_filter,
)
from lib.core.territory import (
    FRANCE,
    FRANCE_CODE,
    InvalidTerritory,
    Level,
    Territory,
    parse_territory,
)

# URL words (French, as users share them) <-> internal levels.
LEVEL_WORDS: dict[str, Level] = {"departement": "dept", "region": "region", "france": "france"}
WORD_OF_LEVEL: dict[Level, str] = {v: k for k, v in LEVEL_WORDS.items()}


@dataclass(frozen=True)
class Route:
    """A page of the app: its address, its script and how the menu shows it. ROUTES is the one
    table of them: streamlit_app.py builds its navigation from it, the shared links and the API
    (lib/web/registry.py) take their addresses from it."""

    name: str  # the page's word, its script's name and the API's (`fiche`)
    path: str  # its address (`/fiche`; `/` for the home page)
    title: str  # as the menu names it
    icon: str  # Streamlit's Material icon (`:material/map:`)

    @property
    def file(self) -> str:
        """Its script, relative to streamlit_app.py (what st.Page and st.switch_page take)."""
        return f"pages/{self.name}.py"

    @property
    def url_path(self) -> str:
        """Its address as st.Page's `url_path` names it: without the slash (`` for the home)."""
        return self.path.strip("/")


CARTE = Route("carte", "/", "Carte", ":material/map:")
FICHE = Route("fiche", "/fiche", "Fiche territoire", ":material/description:")
EXPOSITION = Route("exposition", "/exposition", "Exposition", ":material/public:")
DIVERSIFIER = Route("diversifier", "/diversifier", "Diversifier", ":material/alt_route:")
EVOLUTION = Route("evolution", "/evolution", "Évolution", ":material/trending_up:")
PRODUIT = Route("produit", "/produit", "Produit", ":material/category:")
PAYS = Route("pays", "/pays", "Pays", ":material/flag:")
COMPARER = Route("comparer", "/comparer", "Comparer", ":material/compare_arrows:")
DONNEES = Route("donnees", "/donnees", "Données", ":material/table:")
API = Route("api", "/api", "API", ":material/api:")
IMPORTER = Route("importer", "/importer", "Importer des données", ":material/upload:")
# The menu, in its order; the first is the home page.
ROUTES = (
    CARTE,
    FICHE,
    EXPOSITION,
    DIVERSIFIER,
    EVOLUTION,
    PRODUIT,
    PAYS,
    COMPARER,
    DONNEES,
    API,
    IMPORTER,
)
# The parameters each page reads.
FICHE_KEYS = ("niveau", "code", "annee", "top", "flux", sections.SECTION_KEY)
DATA_KEYS = ("niveau", "code", "debut", "fin", "tdebut", "tfin", "flux", "produits", "cpf4", "pays")
MAP_KEYS = ("annee", "indicateur", "code")
EXPOSITION_KEYS = (
    "niveau",
    "code",
    "annee",
    "partenaire",
    "taux",
    "elasticite",
    sections.SECTION_KEY,
)
PAYS_KEYS = ("code", "annee", "flux", sections.SECTION_KEY)
PRODUIT_KEYS = ("code", "annee", "flux", "niveau", "territoire", sections.SECTION_KEY)
TERRITORY_WORDS = {"niveau": "niveau", "code": "territoire"}  # the Produit page's territory
COMPARER_KEYS = ("niveau", "codes", "annee", sections.SECTION_KEY)
EVOLUTION_KEYS = ("niveau", "code", "base", "debut", "fin", "flux", sections.SECTION_KEY)
DIVERSIFIER_KEYS = ("niveau", "code", "annee", "partenaire", sections.SECTION_KEY)
# What the page receives instead of a query string too long to be read at all.
DISCARDED_KEY = "adresse_ignoree"
QUOTE_MAX = 40  # characters of a value quoted in a notice
LIST_MAX = 5  # values listed in one notice

_ASCII_INT = re.compile(r"[0-9]{1,9}")
_ASCII_DECIMAL = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,2})?")  # `5`, `2.5`, `2,5`
_DISCARDED = re.compile(r"([0-9]{1,12})-([0-9]{1,12})")

Params = Mapping[str, str | Sequence[str]]


def quote(raw: str) -> str:
    """`raw` as a notice quotes it: « … », shortened past QUOTE_MAX characters."""
    shown = "".join(
        "\ufffd" if unicodedata.category(char).startswith("C") else char for char in raw[:QUOTE_MAX]
    )
    if len(raw) > QUOTE_MAX:
        shown += f"… ({formatting.number(len(raw), 0)} caractères)"
    return f"« {shown} »"


def _listing(values: Sequence[str]) -> str:
    """« a », « b » … et 3 autres."""
    unique = list(dict.fromkeys(values))
    listed = ", ".join(quote(value) for value in unique[:LIST_MAX])
    rest = len(unique) - LIST_MAX
    return listed + (f" et {formatting.number(rest, 0)} autres" if rest > 0 else "")


def check_params(params: Params, known: Collection[str], notices: list[str]) -> None:
    """Notices for what the page will not read as given: a discarded address, unknown
    parameters, repeated ones (of which the last value is read)."""
    if DISCARDED_KEY in params:
        notices.append(_discarded_notice(params[DISCARDED_KEY]))
    unknown = [key for key in params if key not in known and key != DISCARDED_KEY]
    if len(unknown) == 1:
        notices.append(f"Paramètre {quote(unknown[0])} inconnu : ignoré.")
    elif unknown:
        notices.append(f"Paramètres inconnus ignorés : {_listing(unknown)}.")
    for key in known:
        value = params.get(key)
        if value is not None and not isinstance(value, str) and len(value) > 1:
            notices.append(f"Paramètre « {key} » répété : la dernière valeur est retenue.")


def _discarded_notice(value: str | Sequence[str]) -> str:
    raw = value if isinstance(value, str) else (value[-1] if len(value) else "")
    sizes = _DISCARDED.fullmatch(raw)
    detail = (
        f" ({formatting.number(int(sizes[1]), 0)} paramètres, "
        f"{formatting.number(int(sizes[2]), 0)} caractères)"
        if sizes
        else ""
    )
    return f"Adresse trop longue pour être lue{detail} : elle a été ignorée, affichage par défaut."


def reduced_query_string(query: str, max_fields: int, max_length: int) -> str:
    """A query string Streamlit would discard whole (over `max_fields` fields or `max_length`
    characters), made readable: each parameter keeps its last two values, in their order, so
    that it still reads as repeated; DISCARDED_KEY with the sizes when even that is too much."""
    if len(query) <= max_length:
        counts: dict[str, int] = {}
        kept: list[str] = []
        for item in reversed(query.split("&")):
            key = item.split("=", 1)[0]
            counts[key] = counts.get(key, 0) + 1
            if counts[key] <= 2:
                kept.append(item)
        if len(kept) <= max_fields:
            return "&".join(reversed(kept))
    return f"{DISCARDED_KEY}={query.count('&') + 1}-{len(query)}"


def unexpected_params(params: Params, allowed: Collection[str] = ()) -> list[str]:
    """Notices for a page that reads no parameter but `allowed` (Importer): the others, and
    repetitions."""
    notices: list[str] = []
    check_params(params, allowed, notices)
    return notices


def _is_number(raw: str) -> bool:
    """ASCII digits only, of a bounded length (`str.isdigit` also accepts `²` or `①`)."""
    return _ASCII_INT.fullmatch(raw) is not None


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
    code = _one(params, "code")
    if not word:
        return FRANCE if not code else _territory("dept", code, notices)  # `code=53`: a dept
    level = LEVEL_WORDS.get(word.lower())
    if level is None:
        notices.append(f"Niveau {quote(word)} inconnu : affichage de la France entière.")
        return FRANCE
    if level == "france":
        if code and code.upper() != FRANCE_CODE:
            notices.append(f"Code {quote(code)} ignoré : la France entière n'en a pas.")
        return FRANCE
    return _territory(level, code, notices)


def _territory(level: Level, code: str | None, notices: list[str]) -> Territory:
    what = "Département" if level == "dept" else "Région"
    if not code:
        missing = "non précisé" if level == "dept" else "non précisée"
        notices.append(f"{what} {missing} : affichage de la France entière.")
        return FRANCE
    try:
        return parse_territory(level, code)
    except InvalidTerritory:
        unknown = "inconnu" if level == "dept" else "inconnue"
        notices.append(f"{what} {unknown} : {quote(code)}. Affichage de la France entière.")
        return FRANCE


def parse_year(
    params: Params,
    key: str,
    years: Sequence[int],
    default: int,
    notices: list[str],
    label: str = "Année",
) -> int:
    raw = _one(params, key)
    if raw is None or raw == "":
        return default
    if _is_number(raw) and int(raw) in years:
        return int(raw)
    notices.append(f"{label} {quote(raw)} indisponible : affichage de {default}.")
    return default


def _bounded_int(
    params: Params, key: str, bounds: tuple[int, int, int], notices: list[str], words: str
) -> int:
    """The whole number of `key` within bounds (low, high, default); the default when absent,
    and with a notice « <words> « raw » invalide… » when out of bounds or no number. `words`
    is a template of {raw}, {low}, {high}, {default}."""
    low, high, default = bounds
    raw = _one(params, key)
    if not raw:
        return default
    if _is_number(raw) and low <= int(raw) <= high:
        return int(raw)
    notices.append(words.format(raw=quote(raw), low=low, high=high, default=default))
    return default


def parse_top(params: Params, notices: list[str]) -> int:
    return _bounded_int(
        params,
        "top",
        (TOP_MIN, TOP_MAX, TOP_DEFAULT),
        notices,
        "Nombre de postes {raw} invalide (de {low} à {high}) : {default} affichés.",
    )


def parse_flux(params: Params, notices: list[str], default: str = flows.BOTH) -> str:
    """A choice of flows.CHOICES (`default` when absent or unknown)."""
    raw = _one(params, "flux")
    if raw is None or raw == "":
        return default
    if raw.lower() in flows.CHOICES:
        return raw.lower()
    shown = " et ".join(flow.plural for flow in flows.chosen(default))
    notices.append(f"Flux {quote(raw)} inconnu : {shown} affichées.")
    return default


def _territory_and_year(
    params: Params, keys: Collection[str], years: Sequence[int]
) -> tuple[list[str], Territory, int]:
    """What the fiche and the Exposition page read first: the notices of the parameters the
    page does not read, then its territory and year (the latest by default)."""
    notices: list[str] = []
    check_params(params, keys, notices)
    territory = parse_territory_params(params, notices)
    year = parse_year(params, "annee", years, max(years) if years else 0, notices)
    return notices, territory, year


def parse_fiche(params: Params, years: Sequence[int]) -> tuple[FicheState, list[str]]:
    """The fiche's state from its URL, and the notices for every parameter set aside."""
    notices, territory, year = _territory_and_year(params, FICHE_KEYS, years)
    state = FicheState(
        territory=territory,
        year=year,
        top=parse_top(params, notices),
        flux=parse_flux(params, notices),
        sections=parse_sections(params, sections.FICHE, notices),
    )
    return state, notices


def parse_sections(
    params: Params, page_sections: Sequence[sections.Section], notices: list[str]
) -> tuple[str, ...]:
    """The open sections of `section=a,b` (lib/core/sections.py), in the page's order; a notice
    names the values that are no section of the page."""
    raw = _one(params, sections.SECTION_KEY)
    if not raw:
        return ()
    tokens = [token.strip().lower() for token in raw.split(",") if token.strip()]
    known = set(sections.slugs(page_sections))
    unknown = [token for token in tokens if token not in known]
    if len(unknown) == 1:
        notices.append(f"Section {quote(unknown[0])} inconnue : ignorée.")
    elif unknown:
        notices.append(f"Sections inconnues ignorées : {_listing(unknown)}.")
    return sections.in_page_order(tokens, page_sections)


def _codes(
    params: Params, key: str, known: set[str], what: str, notices: list[str]
) -> tuple[str, ...]:
    """The known codes of a comma-separated list, in order, once each (ASCII codes are read in
    upper case); a notice lists the others."""
    raw = _one(params, key)
    if not raw:
        return ()
    tokens = [token.strip() for token in raw.split(",") if token.strip()]
    codes = [token.upper() if token.isascii() else token for token in tokens]
    unknown = [code for code in codes if code not in known]
    if unknown:
        notices.append(f"{what} inconnus ignorés : {_listing(unknown)}.")
    return tuple(dict.fromkeys(code for code in codes if code in known))


def parse_quarter(
    params: Params, key: str, default: int, notices: list[str], label: str = "Trimestre"
) -> int:
    raw = _one(params, key)
    if raw is None or raw == "":
        return default
    if _is_number(raw) and 1 <= int(raw) <= 4:
        return int(raw)
    notices.append(f"{label} {quote(raw)} invalide (de 1 à 4) : T{default} retenu.")
    return default


def parse_data_filter(
    params: Params,
    years: Sequence[int],
    cpf4_codes: Sequence[str] = (),
    quarterly: Collection[int] | None = None,
    default: DataFilter | None = None,
) -> tuple[DataFilter, list[str]]:
    """The Données filter; `cpf4_codes` are the CPF4 codes of the dataset (none are valid
    when it has none), `quarterly` its years given quarter by quarter (None: every year), whose
    only years may be cut at a quarter. What the URL leaves out is `default`'s
    (domain.default_data_filter: France's exports of the latest year); a single year bound
    given makes the other default to it when the default would invert the period."""
    notices: list[str] = []
    check_params(params, DATA_KEYS, notices)
    default = default or default_data_filter(years)
    first = parse_year(params, "debut", years, default.first_year, notices, "Année de début")
    last = parse_year(params, "fin", years, max(default.last_year, first), notices, "Année de fin")
    if not _one(params, "debut"):
        first = min(first, last)
    first_q = parse_quarter(params, "tdebut", default.first_quarter, notices, "Trimestre de début")
    last_q = parse_quarter(params, "tfin", default.last_quarter, notices, "Trimestre de fin")
    if (first, first_q) > (last, last_q):
        notices.append("Période inversée : les deux bornes ont été échangées.")
        first, first_q, last, last_q = last, last_q, first, first_q
    if quarterly is not None:
        first_q = _whole_year_bound(first, first_q, 1, quarterly, notices)
        last_q = _whole_year_bound(last, last_q, 4, quarterly, notices)
    no_territory = not _one(params, "niveau") and not _one(params, "code")
    data_filter = DataFilter(
        territory=default.territory if no_territory else parse_territory_params(params, notices),
        first_year=first,
        last_year=last,
        flux=parse_flux(params, notices, default.flux),
        products=_codes(params, "produits", set(refs.products()["code"]), "Produits", notices),
        countries=_codes(params, "pays", set(refs.countries()["code"]), "Pays", notices),
        first_quarter=first_q,
        last_quarter=last_q,
        cpf4=_codes(params, "cpf4", set(cpf4_codes), "Codes CPF4", notices),
    )
    return data_filter, notices


def _whole_year_bound(
    year: int, quarter: int, whole: int, quarterly: Collection[int], notices: list[str]
) -> int:
    """A period's bound in an annual year (no quarter in its data) is its first quarter (a
    start) or its last (an end, `whole`), with a notice when the URL said another."""
    if year in quarterly or quarter == whole:
        return quarter
    notices.append(f"Trimestre T{quarter} ignoré : les données de {year} sont annuelles.")
    return whole


def parse_map(
    params: Params, years: Sequence[int], metrics: Sequence[str]
) -> tuple[MapState, list[str]]:
    notices: list[str] = []
    check_params(params, MAP_KEYS, notices)
    year = parse_year(params, "annee", years, max(years) if years else 0, notices)
    metric = _one(params, "indicateur") or MAP_METRIC_DEFAULT
    if metric not in metrics:
        shown = flows.flow_of(MAP_METRIC_DEFAULT).plural
        notices.append(f"Indicateur {quote(metric)} inconnu : {shown} affichées.")
        metric = MAP_METRIC_DEFAULT
    raw_code = _one(params, "code")
    selected = refs.normalize_dept(raw_code) if raw_code else None
    if raw_code and selected is None:
        notices.append(f"Département inconnu : {quote(raw_code)}.")
    return MapState(year, metric, selected), notices


def parse_partner(params: Params, notices: list[str]) -> str:
    """A country or group code of lib.core.partners (`us` reads `US`); unknown → the default."""
    raw = _one(params, "partenaire")
    if raw is None or raw == "":
        return partners.DEFAULT_PARTNER
    code = partners.normalize_partner(raw)
    if code is not None:
        return code
    shown = partners.partner_label(partners.DEFAULT_PARTNER)
    notices.append(f"Partenaire {quote(raw)} inconnu : affichage de « {shown} ».")
    return partners.DEFAULT_PARTNER


def parse_rate(params: Params, notices: list[str]) -> int:
    """The additional tariff, in whole %, from TARIFF_MIN to TARIFF_MAX."""
    return _bounded_int(
        params,
        "taux",
        (TARIFF_MIN, TARIFF_MAX, TARIFF_DEFAULT),
        notices,
        "Droit de douane additionnel {raw} invalide (de {low} à {high}\u00a0%) : "
        "{default}\u00a0% retenu.",
    )


def parse_elasticity(params: Params, notices: list[str]) -> float:
    """The trade elasticity, a decimal number (point or comma) within the domain's bounds."""
    raw = _one(params, "elasticite")
    if raw is None or raw == "":
        return DEFAULT_ELASTICITY
    if _ASCII_DECIMAL.fullmatch(raw):
        value = float(raw.replace(",", "."))
        if ELASTICITY_MIN <= value <= ELASTICITY_MAX:
            return value
    notices.append(
        f"Élasticité {quote(raw)} invalide (de {formatting.number(ELASTICITY_MIN)} à "
        f"{formatting.number(ELASTICITY_MAX, 0)}) : {formatting.number(DEFAULT_ELASTICITY)} "
        "retenue."
    )
    return DEFAULT_ELASTICITY


def parse_exposition(params: Params, years: Sequence[int]) -> tuple[ExpositionState, list[str]]:
    """The Exposition page's state from its URL, and the notices for every parameter set aside."""
    notices, territory, year = _territory_and_year(params, EXPOSITION_KEYS, years)
    state = ExpositionState(
        territory=territory,
        year=year,
        partner=parse_partner(params, notices),
        rate_pct=parse_rate(params, notices),
        elasticity=parse_elasticity(params, notices),
        sections=parse_sections(params, sections.EXPOSITION, notices),
    )
    return state, notices


def default_exposition(territory: Territory, year: int) -> ExpositionState:
    """The Exposition page of `territory` and `year`, its other settings by default."""
    return ExpositionState(
        territory, year, partners.DEFAULT_PARTNER, TARIFF_DEFAULT, DEFAULT_ELASTICITY
    )


def parse_diversification(
    params: Params, years: Sequence[int]
) -> tuple[DiversificationState, list[str]]:
    """The Diversifier page's state from its URL, and the notices for every parameter set
    aside. France is read as any territory: the page, not the URL, says that it has no
    specialisation to build on (lib.data.diversification.check_territory)."""
    notices, territory, year = _territory_and_year(params, DIVERSIFIER_KEYS, years)
    state = DiversificationState(
        territory=territory,
        year=year,
        partner=parse_partner(params, notices),
        sections=parse_sections(params, sections.DIVERSIFIER, notices),
    )
    return state, notices


def default_diversification(
    territory: Territory, year: int, partner: str = partners.DEFAULT_PARTNER
) -> DiversificationState:
    """The Diversifier page of `territory`, `year` and `partner`, its sections closed."""
    return DiversificationState(territory, year, partner)


def diversification_url(state: DiversificationState) -> str:
    """The Diversifier page's shared link,
    `/diversifier?niveau=departement&code=42&annee=2024&partenaire=US`."""
    return f"{DIVERSIFIER.path}?{urlencode(params_of(state))}"


def _compared_level(params: Params, notices: list[str]) -> ComparedLevel:
    """`departement` (the default) or `region`; France or anything else: départements."""
    word = (_one(params, "niveau") or "departement").lower()
    level = LEVEL_WORDS.get(word)
    if level == "dept" or level == "region":
        return level
    notices.append(
        f"Niveau {quote(word)} non comparable (départements ou régions) : départements comparés."
    )
    return "dept"


def _compared_code(level: ComparedLevel, token: str) -> str | None:
    """The reference code of a département or région token (`1` → `01`), None when unknown."""
    try:
        return parse_territory(level, token).code
    except InvalidTerritory:
        return None


def _compared_codes(params: Params, level: ComparedLevel, notices: list[str]) -> tuple[str, ...]:
    """The known codes of `codes=53,61,72`, once each, the first COMPARE_MAX; notices list the
    unknown ones and say when some were left out."""
    raw = _one(params, "codes") or ""
    tokens = [token.strip() for token in raw.split(",") if token.strip()]
    known = {token: _compared_code(level, token) for token in dict.fromkeys(tokens)}
    unknown = [token for token, code in known.items() if code is None]
    if unknown:
        what = "Départements inconnus ignorés" if level == "dept" else "Régions inconnues ignorées"
        notices.append(f"{what} : {_listing(unknown)}.")
    codes = tuple(dict.fromkeys(code for code in known.values() if code is not None))
    if len(codes) > COMPARE_MAX:
        notices.append(
            f"{formatting.number(len(codes), 0)} territoires demandés : les {COMPARE_MAX} "
            "premiers sont comparés."
        )
    return codes[:COMPARE_MAX]


def parse_comparison(params: Params, years: Sequence[int]) -> tuple[ComparisonState, list[str]]:
    """The Comparer page's state from its URL, and the notices for every parameter set aside."""
    notices: list[str] = []
    check_params(params, COMPARER_KEYS, notices)
    level = _compared_level(params, notices)
    codes = _compared_codes(params, level, notices)
    year = parse_year(params, "annee", years, max(years) if years else 0, notices)
    opened = parse_sections(params, sections.COMPARER, notices)
    return ComparisonState(level, codes, year, opened), notices


def default_comparison(
    territory: Territory, year: int, peers: Sequence[str] = ()
) -> ComparisonState:
    """The Comparer page starting from `territory` beside `peers`, codes of its level (the
    first COMPARE_MAX in all; lib.data.comparison.peers proposes them); France: the régions, none
    chosen yet."""
    if territory.level == "dept" or territory.level == "region":
        codes = tuple(dict.fromkeys((territory.code, *peers)))[:COMPARE_MAX]
        return ComparisonState(territory.level, codes, year)
    return ComparisonState("region", (), year)


def comparison_url(state: ComparisonState) -> str:
    """The Comparer page's shared link, `/comparer?niveau=departement&codes=42,43&annee=2024`."""
    return f"{COMPARER.path}?{urlencode(params_of(state))}"


def parse_country(params: Params, years: Sequence[int]) -> tuple[CountryState, list[str]]:
    """The Pays page's state: a country of the reference but France (`us` reads `US`; unknown
    or missing: the default partner, with a notice when unknown), a year, the map's flow."""
    notices: list[str] = []
    check_params(params, PAYS_KEYS, notices)
    raw = _one(params, "code")
    country = partners.normalize_partner(raw) if raw else partners.DEFAULT_PARTNER
    if country is None or not refs.is_country(country):
        shown = refs.country_name(partners.DEFAULT_PARTNER)
        notices.append(f"Pays {quote(raw or '')} inconnu : affichage de « {shown} ».")
        country = partners.DEFAULT_PARTNER
    year = parse_year(params, "annee", years, max(years) if years else 0, notices)
    flux = parse_flux(params, notices)
    if flux == flows.BOTH:  # one flow colours the map: exports unless imports are asked
        flux = flows.EXPORT.name
    return CountryState(
        country, year, flux, parse_sections(params, sections.PAYS, notices)
    ), notices


def country_url(country: str, year: int) -> str:
    """The Pays page of `country` in `year`, `/pays?code=US&annee=2024&flux=export`."""
    return f"{PAYS.path}?{urlencode(params_of(CountryState(country, year)))}"


def parse_product(
    params: Params, years: Sequence[int], cpf4_codes: Collection[str] = ()
) -> tuple[ProductState, list[str]]:
    """The Produit page's state: an A129 code of the reference (`c21z` reads `C21Z`) or a CPF4
    code of the dataset (`cpf4_codes`), else DEFAULT_PRODUCT with a notice; a year; the map's
    flow (exports unless imports are asked); the territory of `niveau` and `territoire`
    (optional: none is France)."""
    notices: list[str] = []
    check_params(params, PRODUIT_KEYS, notices)
    raw = _one(params, "code") or DEFAULT_PRODUCT
    product = raw.upper() if refs.is_product(raw.upper()) else raw
    if not refs.is_product(product) and product not in cpf4_codes:
        shown = refs.product_name(DEFAULT_PRODUCT)
        notices.append(f"Produit {quote(raw)} inconnu : affichage de « {shown} ».")
        product = DEFAULT_PRODUCT
    year = parse_year(params, "annee", years, max(years) if years else 0, notices)
    flux = parse_flux(params, notices)
    if flux == flows.BOTH:  # one flow colours the map: exports unless imports are asked
        flux = flows.EXPORT.name
    # The territory is read as the fiche's `niveau` and `code`, its code under `territoire`.
    place = {key: params[word] for key, word in TERRITORY_WORDS.items() if word in params}
    territory = parse_territory_params(place, notices)
    opened = parse_sections(params, sections.PRODUIT, notices)
    return ProductState(product, year, flux, territory, opened), notices


def _product_params(state: ProductState) -> dict[str, str]:
    params = {"code": state.product, "annee": str(state.year), "flux": state.flux}
    if state.territory != FRANCE:
        level = WORD_OF_LEVEL[state.territory.level]
        params |= {"niveau": level, "territoire": state.territory.code}
    return params | _section_params(state.sections)


def product_url(state: ProductState) -> str:
    """The Produit page's shared link, `/produit?code=C21Z&annee=2024&flux=export` (with
    `niveau=departement&territoire=53` when a territory is chosen)."""
    return f"{PRODUIT.path}?{urlencode(params_of(state))}"


# Every page's state: what `params_of` writes back and `remembered` reads.
PageState = (
    FicheState
    | DataFilter
    | MapState
    | ExpositionState
    | ComparisonState
    | CountryState
    | EvolutionState
    | ProductState
    | DiversificationState
)


def _section_params(opened: Sequence[str]) -> dict[str, str]:
    return {sections.SECTION_KEY: ",".join(opened)} if opened else {}


def params_of(
    state: PageState,
) -> dict[str, str]:
    """The URL parameters that reproduce `state`: every page writes its URL, and every link to
    a page, with them (parse_fiche, parse_data_filter, parse_map read them back)."""
    if isinstance(state, FicheState):
        return (
            _territory_params(state.territory)
            | {
                "annee": str(state.year),
                "top": str(state.top),
                "flux": state.flux,
            }
            | _section_params(state.sections)
        )
    if isinstance(state, DataFilter):
        return _data_params(state)
    if isinstance(state, EvolutionState):
        return _evolution_params(state)
    if isinstance(state, ComparisonState):
        codes = {"codes": ",".join(state.codes)} if state.codes else {}
        level = {"niveau": WORD_OF_LEVEL[state.level]}
        return level | codes | {"annee": str(state.year)} | _section_params(state.sections)
    if isinstance(state, ProductState):
        return _product_params(state)
    if isinstance(state, CountryState):
        country = {"code": state.country, "annee": str(state.year), "flux": state.flux}
        return country | _section_params(state.sections)
    if isinstance(state, DiversificationState):
        return (
            _territory_params(state.territory)
            | {"annee": str(state.year), "partenaire": state.partner}
            | _section_params(state.sections)
        )
    if isinstance(state, ExpositionState):
        return (
            _territory_params(state.territory)
            | {
                "annee": str(state.year),
                "partenaire": state.partner,
                "taux": str(state.rate_pct),
                "elasticite": format(state.elasticity, "g"),  # 5.0 → `5`, 2.5 → `2.5`
            }
            | _section_params(state.sections)
        )
    params = {"annee": str(state.year), "indicateur": state.metric}
    if state.selected:
        params["code"] = state.selected
    return params


def _territory_params(territory: Territory) -> dict[str, str]:
    params = {"niveau": WORD_OF_LEVEL[territory.level]}
    if territory.level != "france":
        params["code"] = territory.code
    return params


def _data_params(f: DataFilter) -> dict[str, str]:
    params = _territory_params(f.territory)
    params |= {"debut": str(f.first_year), "fin": str(f.last_year), "flux": f.flux}
    if (f.first_quarter, f.last_quarter) != (1, 4):
        params |= {"tdebut": str(f.first_quarter), "tfin": str(f.last_quarter)}
    for key, codes in (("produits", f.products), ("cpf4", f.cpf4), ("pays", f.countries)):
        if codes:
            params[key] = ",".join(codes)
    return params


def fiche_url(state: FicheState) -> str:
    """The fiche's shared link, `/fiche?niveau=departement&code=53&annee=2024&top=10&flux=tous`."""
    return f"{FICHE.path}?{urlencode(params_of(state))}"


def exposition_url(state: ExpositionState) -> str:
    """The Exposition page's shared link,
    `/exposition?niveau=departement&code=42&annee=2024&partenaire=US&taux=10&elasticite=5`."""
    return f"{EXPOSITION.path}?{urlencode(params_of(state))}"


# --- Évolution ------------------------------------------------------------------------------


def _evolution_years(params: Params, years: Sequence[int], notices: list[str]) -> tuple[int, int]:
    """The two years compared: `fin` (the latest by default), `debut` (the year before it);
    swapped when inverted, the year before `fin` when equal."""
    last = max(years) if years else 0
    end = parse_year(params, "fin", years, last, notices, "Année de fin")
    before = [year for year in years if year < end]
    start_default = max(before) if before else end
    start = parse_year(params, "debut", years, start_default, notices, "Année de début")
    if start > end:
        notices.append("Années inversées : les deux années ont été échangées.")
        start, end = end, start
    elif start == end and before:
        notices.append(
            f"Deux fois l'année {end} : comparaison avec {start_default}, l'année précédente."
        )
        start = start_default
    return start, end


def parse_evolution(
    params: Params, years: Sequence[int], whole_years: Sequence[int]
) -> tuple[EvolutionState, list[str]]:
    """The Évolution page's state from its URL, and the notices for every parameter set aside.
    `whole_years` are the years covering four quarters, of which the index's base must be one
    (the first by default)."""
    notices: list[str] = []
    check_params(params, EVOLUTION_KEYS, notices)
    territory = parse_territory_params(params, notices)
    bases = whole_years or years
    base = parse_year(params, "base", bases, min(bases) if bases else 0, notices, "Année de base")
    start, end = _evolution_years(params, years, notices)
    flux = parse_flux(params, notices)
    if flux == flows.BOTH:  # one flow is indexed and broken down: exports unless imports
        flux = flows.EXPORT.name
    opened = parse_sections(params, sections.EVOLUTION, notices)
    return EvolutionState(territory, base, start, end, flux, opened), notices


def default_evolution(territory: Territory, years: Sequence[int]) -> EvolutionState:
    """The Évolution page of `territory` with its defaults (no parameter but the territory)."""
    state, _ = parse_evolution(_territory_params(territory), years, years)
    return state


def _evolution_params(state: EvolutionState) -> dict[str, str]:
    return (
        _territory_params(state.territory)
        | {
            "base": str(state.base),
            "debut": str(state.start),
            "fin": str(state.end),
            "flux": state.flux,
        }
        | _section_params(state.sections)
    )


def evolution_url(state: EvolutionState) -> str:
    """The Évolution page's shared link,
    `/evolution?niveau=departement&code=53&base=2015&debut=2023&fin=2024&flux=export`."""
    return f"{EVOLUTION.path}?{urlencode(params_of(state))}"


# --- The visitor's context ------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the visitor last chose in her session, whatever the page: a territory and a year
    (None until a page has shown one). A page opened by an address without parameters (its
    entry of the menu) starts from it (`context_params`); an address with parameters, shared
    or written by the app, says the whole state itself and wins."""

    territory: Territory | None = None
    year: int | None = None


def remembered(
    context: Context,
    state: PageState,
) -> Context:
    """`context` once a page has shown `state`: the territory and the year it shows, where it
    has them (the Évolution page's last year, the end of the Données period; the Carte, the
    Pays and the Comparer pages show a year, no one territory)."""
    territory: Territory | None
    if isinstance(state, EvolutionState):
        territory, year = state.territory, state.end
    elif isinstance(state, DataFilter):
        territory, year = state.territory, state.last_year
    elif isinstance(state, FicheState | ExpositionState | ProductState | DiversificationState):
        territory, year = state.territory, state.year
    else:
        territory, year = None, state.year
    return Context(
        territory if territory is not None else context.territory,
        year if year else context.year,  # 0: an empty dataset, no year shown
    )


def context_params(
    context: Context,
    years: Collection[int],
    year_keys: Sequence[str] = ("annee",),
    territory_keys: tuple[str, str] | None = ("niveau", "code"),
) -> dict[str, str]:
    """The address of a page opened without parameters, from the visitor's `context`: its
    territory under `territory_keys` (the words of the level and of the code; None for a page
    without a territory), its year under each of `year_keys` when the dataset still has it
    (the page's parser then reads them as any address, its defaults for the rest)."""
    params: dict[str, str] = {}
    if context.territory is not None and territory_keys is not None:
        level_key, code_key = territory_keys
        params[level_key] = WORD_OF_LEVEL[context.territory.level]
        if context.territory.level != "france":
            params[code_key] = context.territory.code
    if context.year is not None and context.year in years:
        params |= dict.fromkeys(year_keys, str(context.year))
    return params
