"""Every page under arbitrary URLs (AppTest + hypothesis): arbitrary text, repeated parameters,
huge values, Unicode digits, unknown parameters.

For each URL thrown at a page: no exception; the URL the page writes back is a valid state (it
parses to itself without notices); and every parameter the page had to set aside is named by a
notice. Whether a value is valid is decided here, from the rules stated in lib/web/urlstate.py and
the reference tables, not by urlstate's code; only values certainly invalid are required to
have their notice.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from urllib import parse

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from lib.charts import choropleth
from lib.core import config, partners, refs
from lib.core.escaping import WORD_JOINER
from lib.data import db, queries
from lib.web import admin, urlstate

APP = str(config.ROOT / "streamlit_app.py")
TIMEOUT = 60
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
_ESCAPE = re.compile(r"\\([" + re.escape(string.punctuation) + "])")
# Parameters Streamlit keeps for itself, and the ones a page reads only in a given way.
RESERVED = {"embed", "embed_options", urlstate.DISCARDED_KEY, admin.TOKEN_PARAM}

DEPTS = set(refs.departements()["code"])
REGIONS = set(refs.regions()["code"])
PRODUCTS = set(refs.products()["code"])
COUNTRIES = set(refs.countries()["code"])
PARTNERS = set(partners.partner_choices())  # the groups and the countries (not France)
TOP_RANGE = range(3, 26)
# Streamlit reads no query string longer than this (runtime/state/query_params.py): the page
# then only says that the address was ignored.
STREAMLIT_MAX_QUERY = 512 * 1024


@pytest.fixture(scope="module", autouse=True)
def _demo(demo_data_dir: Path) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
        db.reset()
        yield
    db.reset()


_apps: dict[str, AppTest] = {}


def _app(page: str) -> AppTest:
    """One AppTest per page for the module (a session that keeps receiving new URLs)."""
    if page not in _apps:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.run()
        if page != "carte":
            at.switch_page(f"pages/{page}.py")
            at.run()
        _apps[page] = at
    return _apps[page]


def _open(page: str, params: dict[str, list[str]]) -> AppTest:
    at = _app(page)
    at.query_params = params
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _notices(at: AppTest) -> list[str]:
    """The info boxes as the reader sees them (Markdown escapes and word joiners removed)."""
    return [_ESCAPE.sub(r"\1", box.value).replace(WORD_JOINER, "") for box in at.info]


# --- what is valid, from the rules and the reference tables -----------------------------------

_NUMBER = re.compile(r"[0-9]{1,9}")


def _ascii_int(raw: str) -> int | None:
    return int(raw) if _NUMBER.fullmatch(raw) else None


def _dept_ok(raw: str) -> bool:
    """normalize_dept's documented spellings: 1 → 01, 2a → 2A, 53.0 → 53, 001 → 01."""
    text = raw.strip().upper()
    if re.fullmatch(r"0*2[AB]", text):
        return True
    text = re.sub(r"^([0-9]+)\.0*$", r"\1", text)
    number = _ascii_int(text)
    if number is None:
        return False
    return (f"{number:02d}" if number < 100 else str(number)) in DEPTS


def _codes_ok(raw: str, known: set[str]) -> bool:
    tokens = [t.strip() for t in raw.split(",") if t.strip()]
    return all((t.upper() if t.isascii() else t) in known for t in tokens)


def _partner_ok(raw: str) -> bool:
    """A partner code, ASCII read in upper case (`us`, ` ue27 `)."""
    return (raw.upper() if raw.isascii() else raw) in PARTNERS


def _last(params: dict[str, list[str]], key: str) -> str:
    return params[key][-1].strip() if key in params else ""


def _expected(page: str, params: dict[str, list[str]], years: list[int]) -> list[str]:
    """Words some notice must contain: one entry per parameter set aside."""
    if len(parse.urlencode(params, doseq=True)) > STREAMLIT_MAX_QUERY:
        return ["Adresse trop longue pour être lue"]
    keys = {
        "fiche": urlstate.FICHE_KEYS,
        "donnees": urlstate.DATA_KEYS,
        "carte": urlstate.MAP_KEYS,
        "diversifier": urlstate.DIVERSIFIER_KEYS,
        "importer": (),
    }[page]
    words = [f"« {key} » répété" for key in keys if len(params.get(key, [])) > 1]
    unknown = [key for key in params if key not in keys]
    words += [f"« {key} »" for key in unknown[: urlstate.LIST_MAX]]

    def bad(key: str, valid: bool, word: str) -> None:
        if _last(params, key) and not valid:
            words.append(word)

    def year(key: str, word: str) -> None:
        bad(key, _ascii_int(_last(params, key)) in years, word)

    if page in ("fiche", "donnees", "diversifier"):
        level = _last(params, "niveau").lower()
        code = _last(params, "code")
        bad("niveau", level in ("departement", "region", "france"), "Niveau «")
        if level == "departement" or (not level and code):
            words += [] if code else ["Département non précisé"]
            bad("code", _dept_ok(code), "Département inconnu")
        elif level == "region":
            words += [] if code else ["Région non précisée"]
            bad("code", code.zfill(2) in REGIONS, "Région inconnue")
        elif level == "france":
            bad("code", code.upper() == "FR", "Code «")
    if page in ("fiche", "donnees"):
        bad("flux", _last(params, "flux").lower() in ("export", "import", "tous"), "Flux «")
    if page == "fiche":
        year("annee", "Année «")
        bad("top", _ascii_int(_last(params, "top")) in TOP_RANGE, "Nombre de postes «")
    if page == "donnees":
        year("debut", "Année de début «")
        year("fin", "Année de fin «")
        for key, label in (("tdebut", "Trimestre de début «"), ("tfin", "Trimestre de fin «")):
            bad(key, _ascii_int(_last(params, key)) in range(1, 5), label)
        bad("produits", _codes_ok(_last(params, "produits"), PRODUCTS), "Produits inconnus")
        bad("pays", _codes_ok(_last(params, "pays"), COUNTRIES), "Pays inconnus")
        cpf4 = set(queries.cpf4_codes())
        bad("cpf4", _codes_ok(_last(params, "cpf4"), cpf4), "Codes CPF4 inconnus")
    if page == "diversifier":
        year("annee", "Année «")
        bad("partenaire", _partner_ok(_last(params, "partenaire")), "Partenaire «")
    if page == "carte":
        year("annee", "Année «")
        bad("indicateur", _last(params, "indicateur") in choropleth.METRICS, "Indicateur «")
        bad("code", _dept_ok(_last(params, "code")), "Département inconnu")
    return words


def _written_back_is_valid(page: str, at: AppTest, years: list[int]) -> None:
    written = dict(at.query_params)
    assert all(isinstance(value, str) for value in written.values()), written
    if page == "fiche":
        state, notices = urlstate.parse_fiche(written, years)
    elif page == "donnees":
        state, notices = urlstate.parse_data_filter(written, years, queries.cpf4_codes())
    elif page == "carte":
        state, notices = urlstate.parse_map(written, years, list(choropleth.METRICS))
    elif page == "diversifier":
        state, notices = urlstate.parse_diversification(written, years)
    else:
        assert urlstate.unexpected_params(written, (admin.TOKEN_PARAM,)) == []
        assert admin.TOKEN_PARAM not in written
        return
    assert notices == [], (_short(written), notices)
    assert urlstate.params_of(state) == written


def _check(page: str, params: dict[str, list[str]]) -> None:
    years = queries.available_years()
    at = _open(page, params)
    _written_back_is_valid(page, at, years)
    shown = "\n".join(_notices(at))
    for words in _expected(page, params, years):
        assert words in shown, (words, shown, _short(params))


def _short(value: object) -> str:
    """A repr fit for an assertion message (values may be 100 000 characters long)."""
    text = repr(value)
    return text if len(text) < 500 else text[:500] + "…"


# --- strategies -------------------------------------------------------------------------------

_CHARS = st.characters(codec="utf-8")
TRICKY = [
    "²",
    "①",
    "²⁰²⁴",
    "٥٣",
    "５３",
    "",
    " ",
    "-1",
    "1e3",
    "0x10",
    "[x](http://x)",
    "![i](http://x)",
]


def _value(valid: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from(TRICKY),
        st.text(_CHARS, max_size=30),
        st.builds(lambda char, n: char * n, _CHARS, st.integers(1_000, 100_000)),  # huge
    )


def _params(keys: dict[str, list[str]]) -> st.SearchStrategy[dict[str, list[str]]]:
    known = st.fixed_dictionaries(
        {},
        optional={
            key: st.lists(_value(valid), min_size=1, max_size=3)  # more than one: repeated
            for key, valid in keys.items()
        },
    )
    unknown_key = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=10)
    unknown = st.dictionaries(
        unknown_key.filter(lambda key: key not in keys and key not in RESERVED),
        st.lists(st.text(_CHARS, max_size=10), min_size=1, max_size=2),
        max_size=2,
    )
    return st.builds(lambda a, b: {**a, **b}, known, unknown)


LEVELS = ["departement", "region", "france", "REGION"]
CODES = ["53", "1", "2a", "971", "99", "52", "84", "FR"]
YEARS = ["2024", "2019", "2015", "1850", "02024"]
FICHE = {
    "niveau": LEVELS,
    "code": CODES,
    "annee": YEARS,
    "top": ["3", "10", "25", "2", "26", "05"],
    "flux": ["export", "import", "tous", "Import"],
}
DONNEES = {
    "niveau": LEVELS,
    "code": CODES,
    "debut": YEARS,
    "fin": YEARS,
    "tdebut": ["1", "2", "4", "5"],
    "tfin": ["1", "3", "4", "0"],
    "flux": ["export", "import"],
    "produits": ["C21Z", "c10a,C21Z", "C21Z,NOPE"],
    "pays": ["DE", "de,US", "XX"],
    "cpf4": ["1011", "0000"],
}
DIVERSIFIER = {
    "niveau": LEVELS,
    "code": CODES,
    "annee": YEARS,
    "partenaire": ["US", "ue27", " cn ", "HORS_UE", "FR", "XX"],
}
CARTE = {
    "annee": YEARS,
    "indicateur": [*choropleth.METRICS, "nonsense"],
    "code": CODES,
}


@SETTINGS
@given(_params(FICHE))
@example({"niveau": ["departement"], "code": ["53"], "top": ["²"], "annee": ["²⁰²⁴"]})
@example({"code": ["[Cliquez ici](http://x)"], "niveau": ["departement", "region"]})
def test_fiche_survives_any_url(params: dict[str, list[str]]) -> None:
    _check("fiche", params)


@SETTINGS
@given(_params(DONNEES))
@example({"debut": ["²"], "fin": ["①"], "tdebut": ["٣"], "pays": ["DE,①"]})
def test_donnees_survives_any_url(params: dict[str, list[str]]) -> None:
    _check("donnees", params)


@SETTINGS
@given(_params(CARTE))
@example({"annee": ["²"], "code": ["x" * 100_000]})
def test_carte_survives_any_url(params: dict[str, list[str]]) -> None:
    _check("carte", params)


@SETTINGS
@given(_params(DIVERSIFIER))
@example({"niveau": ["france"], "partenaire": ["ZZ"], "annee": ["²⁰²⁴"]})
@example({"niveau": ["departement"], "code": ["42"], "partenaire": ["[a](http://x)", "us"]})
def test_diversifier_survives_any_url(params: dict[str, list[str]]) -> None:
    _check("diversifier", params)


@SETTINGS
@given(_params({}))
@example({"x": ["[a](http://x)"], "y": ["1", "2"]})
def test_importer_survives_any_url(params: dict[str, list[str]]) -> None:
    _check("importer", params)


# --- the cases of the issue, as they were reported --------------------------------------------


def test_two_thousand_repeated_top_are_reported() -> None:
    """Streamlit drops a query string of over 1 000 parameters before the page runs: the page
    used to show France with no notice."""
    tops = [str(3 + i % 20) for i in range(2000)]
    at = _open("fiche", {"niveau": ["departement"], "code": ["53"], "top": tops})
    assert _notices(at) == ["Paramètre « top » répété : la dernière valeur est retenue."]
    assert at.query_params["code"] == "53" and at.query_params["top"] == tops[-1]


def test_an_address_too_long_to_read_is_reported() -> None:
    params = {f"p{i}": ["x"] for i in range(1500)}
    at = _open("fiche", params)
    notices = _notices(at)
    assert len(notices) == 1 and notices[0].startswith("Adresse trop longue pour être lue")
    assert dict(at.query_params)["niveau"] == "france"


def test_a_huge_code_is_quoted_shortened() -> None:
    at = _open("fiche", {"niveau": ["departement"], "code": ["7" * 100_000]})
    (notice,) = _notices(at)
    assert notice.startswith("Département inconnu : « " + "7" * urlstate.QUOTE_MAX + "…")
    assert len(notice) < 200


def test_a_notice_renders_no_markdown() -> None:
    at = _open("fiche", {"niveau": ["departement"], "code": ["![x](http://x/i.png)"]})
    (box,) = at.info
    assert "![x](http" not in box.value and "\\!\\[x\\]\\(http" in box.value
