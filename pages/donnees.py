"""Données: the underlying rows, filtered, with a CSV written by DuckDB on demand.

URL: /donnees?niveau=departement&code=53&debut=2020&fin=2024&flux=export&produits=C21Z&pays=DE,US
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

import streamlit as st

from lib import formatting, queries, refs, urlstate
from lib.territory import Territory
from pages import components

PREVIEW_ROWS = 1_000


def _filter_from_url() -> tuple[urlstate.DataFilter, list[str]]:
    return urlstate.parse_data_filter(components.url_params(), queries.available_years())


def _go(data_filter: urlstate.DataFilter) -> None:
    st.query_params.from_dict(data_filter.to_params())


def _on_level() -> None:
    data_filter, _ = _filter_from_url()
    level = st.session_state["donnees-level"]
    _go(replace(data_filter, territory=components.moved_territory(data_filter.territory, level)))


def _on_change() -> None:
    data_filter, _ = _filter_from_url()
    state = st.session_state
    years = state["donnees-years"]
    # A range whose two ends meet comes back as a single year.
    first, last = years if isinstance(years, tuple | list) else (years, years)
    _go(
        replace(
            data_filter,
            territory=Territory(state["donnees-level"], state["donnees-code"]),
            first_year=first,
            last_year=last,
            flux=state["donnees-flux"],
            products=tuple(state["donnees-products"]),
            countries=tuple(state["donnees-countries"]),
        )
    )


def controls(data_filter: urlstate.DataFilter) -> None:
    territory = data_filter.territory
    for key, value in {
        "donnees-level": territory.level,
        "donnees-code": territory.code,
        "donnees-years": (data_filter.first_year, data_filter.last_year),
        "donnees-flux": data_filter.flux,
        "donnees-products": list(data_filter.products),
        "donnees-countries": list(data_filter.countries),
    }.items():
        components.sync_widget(key, value)
    level_col, code_col, years_col, flux_col = st.columns([1, 2, 2, 2])
    components.territory_pickers(level_col, code_col, territory, "donnees", _on_level, _on_change)
    years_col.select_slider(
        "Années", queries.available_years(), key="donnees-years", on_change=_on_change
    )
    components.flux_radio(flux_col, "donnees-flux", _on_change)
    products_col, countries_col = st.columns(2)
    for column, key, label, table, name_of, placeholder in (
        (products_col, "products", "Produits (A129)", refs.products(), refs.product_name,
         "Tous les produits"),
        (countries_col, "countries", "Pays partenaires", refs.countries(), refs.country_name,
         "Tous les pays"),
    ):  # fmt: skip
        column.multiselect(
            label,
            list(table["code"]),
            format_func=lambda code, name_of=name_of: f"{code} – {name_of(code)}",
            key=f"donnees-{key}",
            on_change=_on_change,
            placeholder=placeholder,
        )


def csv_of(data_filter: urlstate.DataFilter) -> bytes:
    """Every selected row, as CSV written by DuckDB (called only when the button is clicked)."""
    handle, path = tempfile.mkstemp(suffix=".csv", prefix="donnees-")
    os.close(handle)
    try:
        queries.write_rows_csv(data_filter, path)
        with open(path, "rb") as file:
            return file.read()
    finally:
        os.unlink(path)


def _file_name(data_filter: urlstate.DataFilter) -> str:
    territory = data_filter.territory
    return (
        f"donnees_{territory.level}_{territory.code}_{data_filter.first_year}-"
        f"{data_filter.last_year}_{data_filter.flux}.csv"
    )


def page() -> None:
    data_filter, messages = _filter_from_url()
    components.notices(messages)
    if not queries.available_years():
        st.error("Le jeu de données est vide : importez des fichiers des Douanes.")
        return
    components.write_url(data_filter.to_params())
    st.title("Données détaillées")
    st.markdown(
        "Les lignes du jeu de données (année, flux, département, produit, pays, valeur en euros), "
        "filtrées selon vos choix."
    )
    controls(data_filter)
    count, total = queries.row_summary(data_filter)
    st.markdown(
        f"**{formatting.number(count, 0)} lignes** sélectionnées, pour une valeur totale de "
        f"**{formatting.meur(total)}**."
    )
    st.download_button(
        "Télécharger les lignes filtrées (CSV)",
        lambda: csv_of(data_filter),
        file_name=_file_name(data_filter),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="donnees-csv",
        disabled=count == 0,
    )
    shown = min(count, PREVIEW_ROWS)
    st.caption(f"Aperçu : les {formatting.number(shown, 0)} plus grandes lignes.")
    preview = queries.rows_preview(data_filter, PREVIEW_ROWS)
    st.dataframe(
        preview,
        hide_index=True,
        width="stretch",
        column_config={
            **components.localized_columns(preview),
            "annee": st.column_config.NumberColumn("année", format="plain"),
            "mois": st.column_config.NumberColumn(format="plain"),
        },
    )


components.ensure_navigation()
page()
