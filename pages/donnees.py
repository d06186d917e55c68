"""Données: the underlying rows, filtered, with a CSV written by DuckDB on demand and the same
rows as an Excel workbook (up to Excel's row limit).

URL: /donnees?niveau=departement&code=53&debut=2020&fin=2024&flux=export&produits=C21Z&pays=DE,US
What the URL leaves out is domain.default_data_filter's: France's exports of the latest year.
The period's choices are quarters only in the years the data gives quarter by quarter.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib.core import flows, formatting, glossary, gridtext, periods, refs, workbook
from lib.core.escaping import plain
from lib.data import queries
from lib.web import download as lib_download
from lib.web import headings, open_data, urlstate
from pages.parts import components, wiring

PREVIEW_ROWS = 1_000


# The route's parser: the page and its downloads read a URL alike.
URL = wiring.PageUrl(
    "donnees",
    lambda params: lib_download.parse(params),
    wiring.from_context(year_keys=("debut", "fin")),  # the year shown elsewhere, alone
)


def _periods() -> list[str]:
    """The choices of the period's two ends, in order: a year given quarter by quarter offers
    its quarters (`T1 2024`), an annual year itself (`2020`).

    Plain strings shown as they are, so that the widget's value survives its serialisation."""
    quarterly = set(queries.quarterly_years())
    choices: list[str] = []
    for year in queries.available_years():
        if year in quarterly:
            choices += [f"T{q} {year}" for q in queries.year_quarters(year)]
        else:
            choices.append(str(year))
    return choices


def _bound(choice: str, end: bool) -> tuple[int, int]:
    """The (year, quarter) of a choice: `T3 2024` → (2024, 3); a year starts at its first
    quarter and ends at its last."""
    if choice.startswith("T"):
        quarter, year = choice.removeprefix("T").split(" ")
        return int(year), int(quarter)
    return int(choice), 4 if end else 1


def _clamped(year: int, quarter: int, choices: list[str], end: bool) -> str:
    """The nearest choice to a (year, quarter) (a partial year offers fewer quarters)."""

    def distance(choice: str) -> int:
        chosen_year, chosen_quarter = _bound(choice, end)
        return abs(chosen_year * 4 + chosen_quarter - (year * 4 + quarter))

    return min(choices, key=distance)


# The period's two labels, by whether its choices are years, quarters or both.
_PERIOD_LABELS = {
    (False, True): ("De l'année", "À l'année"),
    (True, False): ("Du trimestre", "Au trimestre"),
    (True, True): ("Début de la période", "Fin de la période"),
}
PERIOD_HELP = (
    "Les lignes annuelles (sans trimestre) ne sont retenues que si la période couvre toute leur "
    "année."
)


def _from_widgets(data_filter: urlstate.DataFilter) -> urlstate.DataFilter:
    """The filter the widgets say (the callback of every widget but the level)."""
    first, last = _bound(URL.widget("from"), False), _bound(URL.widget("to"), True)
    return replace(
        data_filter,
        territory=URL.picked_territory(),
        first_year=first[0],
        first_quarter=first[1],
        last_year=last[0],
        last_quarter=last[1],
        flux=URL.widget("flux"),
        products=tuple(URL.widget("products")),
        cpf4=tuple(URL.widget("cpf4")),
        countries=tuple(URL.widget("countries")),
    )


_on_change = URL.on(_from_widgets)


def controls(data_filter: urlstate.DataFilter, cpf4_codes: list[str]) -> None:
    territory = data_filter.territory
    choices = _periods()
    URL.sync(
        {
            "level": territory.level,
            "code": territory.code,
            "from": _clamped(data_filter.first_year, data_filter.first_quarter, choices, False),
            "to": _clamped(data_filter.last_year, data_filter.last_quarter, choices, True),
            "flux": data_filter.flux,
            "products": list(data_filter.products),
            "cpf4": list(data_filter.cpf4),
            "countries": list(data_filter.countries),
        }
    )
    level_col, code_col, from_col, to_col, flux_col = st.columns([1, 2, 1, 1, 2])
    components.territory_pickers(
        level_col, code_col, territory, URL.prefix, URL.on_level(), _on_change
    )
    # Two single choices rather than a range slider: each end is a year or a quarter, and a
    # range widget whose value comes from the URL does not keep both ends across reruns.
    has_quarters = any(choice.startswith("T") for choice in choices)
    has_years = not all(choice.startswith("T") for choice in choices)
    from_label, to_label = _PERIOD_LABELS[(has_quarters, has_years)]
    period_help = PERIOD_HELP if has_quarters else None  # annual rows beside quarterly ones
    from_col.selectbox(
        from_label, choices, key="donnees-from", on_change=_on_change, help=period_help
    )
    to_col.selectbox(to_label, choices, key="donnees-to", on_change=_on_change)
    components.flux_radio(flux_col, "donnees-flux", _on_change)
    if (data_filter.first_quarter, data_filter.last_quarter) != (1, 4):
        st.caption(PERIOD_HELP)
    products_col, cpf4_col, countries_col = st.columns(3)
    for column, key, label, codes, name_of, placeholder, tip in (
        (products_col, "products", "Produits (A129)", list(refs.products()["code"]),
         refs.product_name, "Tous les produits", glossary.A129),
        (cpf4_col, "cpf4", "Produits (CPF4)", cpf4_codes, refs.cpf4_name,
         "Tous" if cpf4_codes else "Pas de détail CPF4 dans les données", glossary.CPF4),
        (countries_col, "countries", "Pays partenaires", list(refs.countries()["code"]),
         refs.country_name, "Tous les pays", None),
    ):  # fmt: skip
        column.multiselect(
            label,
            codes,
            format_func=lambda code, name_of=name_of: _code_label(code, name_of(code)),
            key=f"donnees-{key}",
            on_change=_on_change,
            placeholder=placeholder,
            disabled=not codes,
            help=tip,
        )


def period_text(data_filter: urlstate.DataFilter) -> str:
    """« 2024 », « 2025 (T1–T2) » for a partial year, « 2020–2024 », « T2 2024 – T4 2025 »."""
    f = data_filter
    if f.first_year == f.last_year and (f.first_quarter, f.last_quarter) == (1, 4):
        return queries.year_label(f.first_year)
    slug = periods.range_slug(f.first_year, f.first_quarter, f.last_year, f.last_quarter)
    return headings.period_label(slug)


def summary(data_filter: urlstate.DataFilter, by_flow: dict[str, tuple[int, float]]) -> str:
    """« France entière, 2024 — exportations : **512 345,6 M€** (109 327 lignes). », each flow
    apart (their sum means nothing), said of the products and countries chosen if any."""
    chosen = [
        words
        for words, codes in (
            ("produits", data_filter.products or data_filter.cpf4),
            ("pays", data_filter.countries),
        )
        if codes
    ]
    scope = [data_filter.territory.label, period_text(data_filter)]
    if chosen:
        scope.append(f"{' et '.join(chosen)} choisis")
    totals = [  # numbers of ours: nothing in them reads as Markdown
        f"{flows.flow_of(name).plural} : **{formatting.meur(total)}** "
        f"({formatting.number(count, 0)} lignes)"
        for name, (count, total) in by_flow.items()
    ]
    return f"{plain(', '.join(scope))} — {' ; '.join(totals)}."


def _code_label(code: str, name: str) -> str:
    return f"{code} – {name}" if name != code else code


# The preview's numbers as French text (lib/core/gridtext.py): name → decimals, or PLAIN digits.
PREVIEW_NUMBERS: dict[str, int | None] = {
    "annee": gridtext.PLAIN,
    "trimestre": gridtext.PLAIN,
    "mois": gridtext.PLAIN,
    "valeur_eur": 0,
    "masse_kg": 0,
}


def download(data_filter: urlstate.DataFilter, count: int) -> None:
    """The CSV and the Excel workbook of the filtered rows: links to the routes when this
    process serves them (serve.py), else buttons holding the files, built when clicked (plain
    `streamlit run streamlit_app.py`). Beyond Excel's row limit, the workbook is refused and
    the page says why."""
    refusal = lib_download.too_many_for_excel(count, data_filter)
    beyond_excel = lib_download.csv_beyond_excel(count)
    st.markdown(plain(lib_download.csv_lines(count)))
    if beyond_excel:
        st.warning(plain(beyond_excel), icon=":material/warning:")
    with st.container(horizontal=True):  # side by side, wrapped on a phone
        _download_link(
            "Télécharger les lignes filtrées (CSV)",
            data_filter,
            "csv",
            disabled=count == 0,
            help=components.CSV_HELP,
        )
        _download_link(
            "Télécharger les lignes filtrées (Excel)",
            data_filter,
            "xlsx",
            disabled=count == 0 or refusal is not None,
            help=components.EXCEL_HELP,
        )
    if refusal:
        if not beyond_excel:  # else the warning above says it
            st.caption(plain(refusal))
    elif count > LARGE_WORKBOOK_ROWS:
        st.caption(
            f"Un classeur Excel de {formatting.number(count, 0)} lignes se prépare en "
            f"{_workbook_wait(count)} : le téléchargement commence ensuite."
        )


LARGE_WORKBOOK_ROWS = 100_000  # beyond, the page says how long the workbook takes
WORKBOOK_ROWS_PER_S = 12_000  # measured on 2 cores (docs/PERFORMANCE.md): an order of magnitude


def _workbook_wait(count: int) -> str:
    """« environ 2 minutes »: the order of magnitude of a workbook's writing time."""
    minutes = round(count / WORKBOOK_ROWS_PER_S / 60)
    if minutes < 1:
        return "moins d'une minute"
    return f"environ {minutes} minute{'s' if minutes > 1 else ''}"


_FORMS = {
    "csv": (lib_download.PATH, lib_download.csv_bytes, "text/csv", ":material/download:"),
    "xlsx": (
        lib_download.XLSX_PATH,
        lib_download.xlsx_bytes,
        workbook.MEDIA_TYPE,
        ":material/table_view:",
    ),
}


def _download_link(
    label: str, data_filter: urlstate.DataFilter, form: str, disabled: bool, help: str
) -> None:
    path, build, mime, icon = _FORMS[form]
    if lib_download.mounted():
        st.link_button(
            label, lib_download.url(data_filter, path), icon=icon, disabled=disabled, help=help
        )
        return
    st.download_button(
        label,
        lambda: build(data_filter),
        file_name=lib_download.file_name(data_filter, form),
        mime=mime,
        on_click="ignore",
        icon=icon,
        key=f"donnees-{form}",
        disabled=disabled,
        help=help,
    )


def preview_grid(data_filter: urlstate.DataFilter) -> None:
    preview = gridtext.french_text(queries.rows_preview(data_filter, PREVIEW_ROWS), PREVIEW_NUMBERS)
    st.dataframe(
        preview,
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.TextColumn(
                "année" if name == "annee" else None, alignment="right"
            )
            for name in PREVIEW_NUMBERS
        },
    )


def page() -> None:
    data_filter = URL.shown()
    if not queries.available_years():
        st.error("Le jeu de données est vide : importez des fichiers des Douanes.")
        return
    URL.write(data_filter)
    st.title("Données détaillées")
    st.markdown(
        "Les lignes du jeu de données (période, flux, département, produit A129 et CPF4, pays, "
        "valeur en euros, masse en kilogrammes), filtrées selon vos choix."
    )
    controls(data_filter, queries.cpf4_codes())
    by_flow = queries.row_summary_by_flow(data_filter)
    st.markdown(summary(data_filter, by_flow))
    count = sum(rows for rows, _ in by_flow.values())
    download(data_filter, count)
    if open_data.mounted():
        st.caption(
            "Le jeu de données entier (un fichier Parquet et un fichier CSV par année, les tables "
            "de référence et leur description) se télécharge sur la page "
            f"[Télécharger le jeu de données]({open_data.PREFIX})."
        )
    shown = min(count, PREVIEW_ROWS)
    st.caption(f"Aperçu : les {formatting.number(shown, 0)} plus grandes lignes.")
    preview_grid(data_filter)


components.ensure_navigation()
page()
