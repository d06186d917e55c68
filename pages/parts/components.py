"""Streamlit pieces shared by the pages: banner, notices, URL sync, charts with their data,
the time limit of queries.

Kept thin: everything computed lives in lib/; this module only renders. Text that comes from a
URL, an upload or the data is rendered through lib.core.escaping.plain (never as Markdown).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import folium
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.charts import choropleth, kit
from lib.charts.kit import HtmlChart
from lib.core import config, csvfile, display, flows, refs, workbook
from lib.core.escaping import plain
from lib.core.schema import QUARTERS
from lib.core.territory import FRANCE, Territory
from lib.data import cache, db, queries
from lib.sources import demo
from lib.web import headings, sessionlimits, uploadgate, urlstate

_LOG = logging.getLogger(__name__)
DEMO_BANNER = (
    "Données de démonstration synthétiques, calées sur les totaux publiés pour 2024 ; "
    "importez les fichiers des Douanes pour les chiffres réels."
)
METHODOLOGY = """
**Précisions méthodologiques.** Les données sont établies selon le **lieu de dédouanement**, qui
ne reflète pas toujours le lieu de production : un bien fabriqué dans un département A peut être
exporté depuis un département B, selon les chaînes logistiques des entreprises. De même, la
présence de **grandes infrastructures de transport** peut introduire des biais : les zones
industrialo-portuaires concentrent par exemple les importations d'hydrocarbures, sans que leur
usage soit exclusivement local. Enfin, l'**échelle départementale est la plus fine disponible** :
pour un territoire interdépartemental, consultez les fiches des différents départements.
Source : Direction générale des Douanes et Droits indirects (DGDDI), statistiques départementales
et régionales du commerce extérieur.
"""
SELECTED_DEPT = "selected-dept"  # session key: the département last shown, outlined on the map
CONTEXT = "visitor-context"  # session key: the territory and year last shown (urlstate.Context)
LEVEL_LABELS = {"dept": "Département", "region": "Région", "france": "France entière"}
FLASH = "flash-messages"  # session key: the messages of the last action, shown after its rerun
FLASH_KINDS = {"success": st.success, "warning": st.warning, "error": st.error}
# plotly.js fetches its base map for any geo chart, even one drawing only its own GeoJSON with
# no base layer (lib.charts.world.partners_figure): an empty topology served from
# static/plotly/ instead of its CDN, so that the browser calls no server but the app's.
PLOTLY_CONFIG = {"displaylogo": False, "topojsonURL": "/app/static/plotly/"}


def ensure_navigation() -> None:
    """Run the page inside streamlit_app.py's st.navigation, never on its own.

    Streamlit treats a `pages/` folder next to the main script as a "v1" multipage app until
    st.navigation has run once in the process; a first visit straight to /fiche would then run
    pages/fiche.py alone (no banner, no menu). Leave that mode and rerun through the main script.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner="Construction du jeu de données de démonstration…")
def ensure_dataset(location: str) -> bool:
    """Build the demonstration dataset once when the data folder has none."""
    return demo.ensure_dataset(location)


def dataset_ready() -> None:
    location = config.data_dir()
    if not config.is_remote(location):
        ensure_dataset(location)


def banner() -> None:
    """The demonstration warning, on every page while any demo year is loaded."""
    manifest = db.manifest()
    if manifest is not None and manifest.has_demo:
        st.warning(DEMO_BANNER, icon="⚠️")


def notices(messages: list[str]) -> None:
    """The notices of urlstate, which quote what the URL said: plain text, never Markdown."""
    for message in messages:
        st.info(plain(message), icon="ℹ️")


def context() -> urlstate.Context:
    """The territory and year the visitor last saw in this session (wiring.PageUrl)."""
    return st.session_state.get(CONTEXT, urlstate.Context())


def remember(state: Any) -> None:
    """A state a page shows (one of urlstate's) becomes the visitor's context."""
    st.session_state[CONTEXT] = urlstate.remembered(context(), state)


def remember_selected(territory: Territory) -> None:
    """A département shown is the one the Carte outlines when the user comes back to it."""
    if territory.level == "dept":
        st.session_state[SELECTED_DEPT] = territory.code


def clicked_departement(
    build: Callable[[], folium.Map], identity: Hashable, key: str, height: int
) -> str | None:
    """Draw the map of lib.charts.choropleth that `build` makes; return the département just
    clicked on it, if any.

    The map is built and rendered once per `identity` (what the page builds it from besides the
    dataset: its state) and dataset version, and shared (pages/parts/folium_maps.py). Only the
    clicked feature is asked back from the component, so that panning and zooming do not rerun
    the app."""
    # Imported here, in the page's run: importing streamlit_folium declares its component, which
    # must happen once the runtime exists (serve.py imports this module before it starts; the
    # component declared earlier is unknown to the runtime's registry and its files are a 404).
    from pages.parts import folium_maps

    args = folium_maps.rendered(build, identity)
    returned = folium_maps.draw(args, key, height, ["last_active_drawing"])
    return choropleth.feature_code(returned)


def no_year(year: int) -> bool:
    """True, with the error saying so, when the dataset is empty (its state's year is 0)."""
    if not year:
        st.error(
            "Le jeu de données est vide : importez des fichiers ou revenez aux données de "
            "démonstration."
        )
    return not year


def partial_year_notice(year: int) -> None:
    """The notice of a year of the dataset that misses quarters."""
    if queries.year_quarters(year) != QUARTERS:
        st.info(
            f"Année {queries.year_label(year)} incomplète : les chiffres ne couvrent que "
            "ces trimestres.",
            icon="ℹ️",
        )


def url_params() -> dict[str, list[str]]:
    """The URL's query parameters, every value kept (urlstate takes the last one)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def write_url(params: Mapping[str, str]) -> None:
    """Make the URL say exactly `params`, each once (only touched when it differs, to avoid
    reruns)."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if current != {key: [value] for key, value in params.items()}:
        st.query_params.from_dict(dict(params))


def unexpected_url_params(allowed: Collection[str] = ()) -> None:
    """For a page without URL state (Importer): a notice for every other parameter (and for a
    repeated one), which the URL then loses; the `allowed` ones stay, once each."""
    params = url_params()
    notices(urlstate.unexpected_params(params, allowed))
    write_url({key: params[key][-1] for key in allowed if params.get(key)})


@contextmanager
def query_time_limit() -> Iterator[None]:
    """Run a page: a query interrupted after db.QUERY_TIMEOUT_S (db.QueryTimeout) ends it with
    a French message where it stopped, instead of a hanging page or a generic error; so does a
    data file that cannot be read (db.DamagedData: « Données endommagées », naming the file; a
    failing remote store: db.RemoteUnavailable). Nothing else of the process is affected."""
    try:
        yield
    except db.QueryTimeout as timeout:
        st.error(str(timeout), icon="⏱️")  # our own text: no user value in it
    except db.DataUnavailable as unavailable:
        _LOG.warning("data unavailable: %s", getattr(unavailable, "detail", unavailable))
        st.error(plain(str(unavailable)), icon="⚠️")  # a file name: never read as Markdown


def install_query_string_guard() -> None:
    """Let the pages say why they ignore an address that Streamlit would drop whole.

    Streamlit (1.67, runtime/state/query_params.py) replaces a query string of more than 1 000
    parameters or 512 Ki characters by an empty one before the page runs, with a line in the
    server log only: the page shows its defaults and says nothing (issue: « 2 000 repeated
    top= parameters silently show France »). Its `sanitize_query_string` is wrapped, where it
    is used (the rerun request of app_session.py and the parser of query_params.py), so that
    such a string becomes urlstate.reduced_query_string's instead, which the pages read and
    report. Idempotent; called by serve.py before the server starts (first visitors included)
    and by streamlit_app.py. tests/test_url_fuzz.py checks it on Streamlit's own parsing.
    """
    from streamlit.runtime import app_session
    from streamlit.runtime.state import query_params

    original = query_params.sanitize_query_string
    if getattr(original, "keeps_notices", False):
        return

    max_fields = query_params.CLIENT_STATE_QUERY_STRING_MAX_FIELDS
    max_length = query_params.CLIENT_STATE_QUERY_STRING_MAX_LENGTH

    def sanitize(query_string: str) -> str:
        # Streamlit's own test, without its log line (« Ignoring query string… »): not ignored.
        if len(query_string) > max_length or query_string.count("&") + 1 > max_fields:
            return urlstate.reduced_query_string(query_string, max_fields, max_length)
        return original(query_string)

    sanitize.keeps_notices = True  # type: ignore[attr-defined]
    query_params.sanitize_query_string = sanitize
    app_session.sanitize_query_string = sanitize


def install_upload_gate() -> None:
    """Answer the file-URL request of a session that is not an administrator's with no URL
    and lib/web/uploadgate.REFUSED (the uploader shows it), so that an anonymous websocket client
    gets no upload address; serve.py's UploadGuard refuses the upload itself. Wraps Streamlit's
    AppSession._handle_file_urls_request (1.67); idempotent; called by serve.py."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.app_session import AppSession

    original = AppSession._handle_file_urls_request
    if getattr(original, "gated", False):
        return

    def handle(self: AppSession, request: Any) -> None:
        if uploadgate.GATE.allows(self.id):
            original(self, request)
            return
        msg = ForwardMsg()
        msg.file_urls_response.response_id = request.request_id
        msg.file_urls_response.error_msg = uploadgate.REFUSED
        self._enqueue_forward_msg(msg)

    handle.gated = True  # type: ignore[attr-defined]
    AppSession._handle_file_urls_request = handle  # type: ignore[method-assign]


def install_session_bounds() -> None:
    """Bound what a session may ask of the process through its websocket: reruns beyond
    lib/web/sessionlimits.rerun_limiter's rate are ignored (a client looping on reruns), and so is
    a request to clear Streamlit's caches from anyone but an administrator (the menu item is
    hidden; the app's own cache, lib/data/cache.py, is not Streamlit's). Wraps Streamlit's
    AppSession.handle_backmsg (1.67); idempotent; called by serve.py."""
    from streamlit.runtime.app_session import AppSession

    original = AppSession.handle_backmsg
    if getattr(original, "bounded", False):
        return
    AppSession.handle_backmsg = bounded_backmsgs(  # type: ignore[method-assign]
        original, sessionlimits.rerun_limiter(), uploadgate.GATE
    )


def bounded_backmsgs(
    original: Callable[[Any, Any], None], reruns: Any, gate: uploadgate.Gate
) -> Callable[[Any, Any], None]:
    """`original` (AppSession.handle_backmsg), minus the reruns beyond `reruns`' rate per
    session and the cache clearings of non-administrators."""

    def handle_backmsg(session: Any, msg: Any) -> None:
        kind = msg.WhichOneof("type")
        if kind == "rerun_script" and reruns.take(session.id) > 0:
            _LOG.warning("session %s: rerun ignored (more than the rate allows)", session.id)
            return
        if kind == "clear_cache" and not gate.allows(session.id):
            _LOG.warning("session %s: clear_cache ignored (not an administrator)", session.id)
            return
        original(session, msg)

    handle_backmsg.bounded = True  # type: ignore[attr-defined]
    return handle_backmsg


def layout_css() -> None:
    """The app's CSS (.streamlit/layout.css: which look of a chart fits its width, links that
    wrap…) and its one script, hidden by the CSS (it takes no room), the files of APP_SCRIPTS:
    .streamlit/menu.js (the page menu closes after a choice on a narrow screen),
    .streamlit/history.js (Back and Forward: one entry per page the visitor opens, scroll
    positions given back), .streamlit/width.js (the window's width, for `page_look`) and
    .streamlit/geo_assets.js (the world map's empty base map). The script is the app's own
    files, never anything from a user or the data: the only st.html allowed to run
    JavaScript. (serve.py also puts history.js, width.js and geo_assets.js first in the page's
    head, lib/web/pagescript.py: they are written to run twice harmlessly.)"""
    st.html(config.ROOT / ".streamlit" / "layout.css")
    st.html(_menu_script(), unsafe_allow_javascript=True)


# In .streamlit/, sent as one script element.
APP_SCRIPTS = ("menu.js", "history.js", "width.js", "geo_assets.js")


@functools.cache
def _menu_script() -> str:
    folder = config.ROOT / ".streamlit"
    script = "\n".join((folder / name).read_text(encoding="utf-8") for name in APP_SCRIPTS)
    return f"<script>{script}</script>"


WIDTH_COOKIE = "comext-largeur"  # written by .streamlit/width.js


def page_look() -> str | None:
    """The look (« wide », « narrow ») of a chart as wide as the page in the reader's window, as
    the cookie of .streamlit/width.js gave its width when the session connected; None when it
    cannot be told (no cookie: `streamlit run streamlit_app.py`, AppTest, a width too close to
    the threshold). The look stays the session's: a window resized past the threshold keeps its
    chart in the look it had, stretched or narrowed, until the page is loaded again."""
    return kit.look_for_window(kit.window_width(st.context.cookies.get(WIDTH_COOKIE)))


def _chart(fig: go.Figure | HtmlChart, key: str, clickable: bool = False) -> list[dict[str, Any]]:
    """Draw `fig`; with `clickable`, return the point just clicked (Streamlit reports clicks
    on treemap boxes, with their `id`, but not on Sankey nodes). An HtmlChart is drawn by
    st.html, which sanitises it (its builder escaped its texts), in a container keyed as a
    Plotly chart would be."""
    if isinstance(fig, HtmlChart):
        with st.container(key=key):
            st.html(fig.markup)
        return []
    if not clickable:
        st.plotly_chart(fig, width="stretch", key=key, config=PLOTLY_CONFIG)
        return []
    event = st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        config=PLOTLY_CONFIG,
        on_select="rerun",
        selection_mode="points",
    )
    return list(event.selection.points)


# A chart's two looks, given as their builder (`narrow` → the figure): only the look sent is
# built. A reader's window tells which one fits (page_look), so that one alone is; building both
# at every run doubled the figures' server time on every page for a look never sent.
Looks = Callable[[bool], go.Figure | HtmlChart]


def _looks(
    looks: Looks, key: str, clickable: bool, shared: Hashable | None = None
) -> list[dict[str, Any]]:
    """The chart in the look that fits, or in both (each keyed by its look, for the CSS)."""
    shown = page_look()
    clicked: list[dict[str, Any]] = []
    with st.container(key=f"charts-{key}"):
        if shown is not None:  # alone in its wrapper: the CSS hides nothing of it
            figure = _look(looks, shown == "narrow", key, shared)
            return _chart(figure, f"chart-{shown}-{key}", clickable)
        for look in ("wide", "narrow"):
            with st.container(key=f"{look}-{key}"):
                figure = _look(looks, look == "narrow", key, shared)
                clicked += _chart(figure, f"chart-{look}-{key}", clickable)
    return clicked


def _look(looks: Looks, narrow: bool, key: str, shared: Hashable | None) -> go.Figure | HtmlChart:
    """One look of a chart: built, or, with `shared` (what the chart is drawn from besides the
    dataset), built once per dataset version and shared by every session (cache.shared_value:
    the figure is handed out as stored, and _chart only draws it)."""
    if shared is None:
        return looks(narrow)
    return cache.shared_value(("chart", key, shared, narrow), lambda: looks(narrow))


def chart_with_data(
    fig: go.Figure | HtmlChart | Looks,
    table: pd.DataFrame,
    file_name: str,
    key: str,
    caption: str | None = None,
    column_config: Mapping[str, object] | None = None,
    links: Mapping[str, Sequence[str]] | None = None,
    clickable: bool = False,
    shared: Hashable | None = None,
) -> list[dict[str, Any]]:
    """A chart, then its data: a table on demand and a CSV of exactly the rows drawn.

    A chart with two looks, wide and narrow (for a phone), is given as their builder (`fig`:
    `narrow` → the figure, `Looks`). When the reader's window tells which look fits
    (`page_look`), that one alone is built and sent and the browser draws one chart; otherwise
    both are, and the CSS shows the one that fits the chart's width (layout_css).
    `page_look` reads the window's width, so every chart given two looks is as wide as the
    page or a section's expander (none is in st.columns). `column_config` adds to the table's
    columns (a link column…); `links` too (data_table). With `clickable`, the points just
    clicked are returned.

    `shared`, for a chart given as its builder: what the chart is drawn from besides the dataset
    (a territory, a year, a partner…), when that is all it is drawn from. Each look is then
    built once per dataset version and shared by every session and rerun, as the fiche's
    figures are (lib/fiche/cached_charts.py; issue 18: « same answer, computed once »). Keyed
    with `key`, so it must name every input the builder reads. A figure given built is drawn
    as it is."""
    if callable(fig):
        clicked = _looks(fig, key, clickable, shared)
    else:
        clicked = _chart(fig, f"chart-{key}", clickable)
    if caption:
        st.markdown(caption)
    data_table(table, file_name, key, column_config, links)
    return clicked


def link_columns(links: Mapping[str, Sequence[str]] | None) -> dict[str, object]:
    """Each column of `links` as a link showing the `code=` of its address."""
    return {
        name: st.column_config.LinkColumn(name, display_text=r"code=([^&]*)")
        for name in links or {}
    }


def data_table(
    table: pd.DataFrame,
    file_name: str,
    key: str,
    column_config: Mapping[str, object] | None = None,
    links: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """The table in an expander, its CSV and Excel files beside. `links` (column name → one URL
    per row, e.g. urlstate.product_url's) are shown as link columns after the table's own, not
    in the files; `column_config` is keyed by the table's own (machine) column names.

    The grid is drawn only while the expander is open: Streamlit would otherwise send and draw
    a closed expander's content at every run (issue 18). The expander's key makes it a widget
    whose click reruns the fragment that drew it (the fiche's first screen, a section on
    demand), else the page; its open state is kept across runs, the URL is left alone."""
    left, right = st.columns([3, 1])
    with left:
        box = st.expander("Voir les données", key=f"table-{key}", on_change="rerun")
        if box.open:
            with box:
                _grid(table, column_config, links)
    with right:
        download_buttons(table, file_name, key)


def _grid(
    table: pd.DataFrame,
    column_config: Mapping[str, object] | None,
    links: Mapping[str, Sequence[str]] | None,
) -> None:
    """The table as a person reads it (lib/core/display.py: French headers and numbers as text,
    names beside codes; why text and not a number format is said there), numbers aligned
    right, the links after it."""
    shown = display.display_frame(table)
    columns: dict[str, object] = {
        header: st.column_config.TextColumn(alignment="right") for header in shown.numbers
    }
    columns |= {shown.headers.get(name, name): spec for name, spec in (column_config or {}).items()}
    frame = shown.frame.assign(**links) if links else shown.frame
    # A link column's own entry in `column_config` (a fixed text: « Comparer avec … ») wins
    # over the default, which shows the `code=` of its address.
    st.dataframe(
        frame, hide_index=True, width="stretch", column_config=link_columns(links) | columns
    )


CSV_HELP = (
    "Fichier CSV brut, pour R, Python ou un tableur configuré : séparateur virgule, point "
    "décimal, en-têtes en anglais, valeurs non arrondies (UTF-8)."
)
EXCEL_HELP = (
    "Classeur Excel : en-têtes en français avec leurs unités, noms à côté des codes, nombres "
    "au format français, codes conservés en texte (01, 2A), source et date en tête."
)


def download_buttons(
    table: pd.DataFrame, file_name: str, key: str, label: str = "Télécharger les données"
) -> None:
    """The table's CSV (the machine file, byte-identical to the CLI's) and its Excel workbook
    (lib/core/workbook.py), both built only when clicked: a page offers a dozen tables, few
    are downloaded, and building every CSV at every run was 8 % of the server's busy time
    under bench.load's visits (docs/PERFORMANCE.md). `file_name` is the CSV's (a
    filenames.TableFileName: the workbook's heading reads its parts)."""
    st.download_button(
        f"{label} (CSV)",
        lambda: csvfile.to_csv_bytes(table),
        file_name=file_name,
        mime="text/csv",
        key=f"csv-{key}",
        on_click="ignore",
        icon=":material/download:",
        help=CSV_HELP,
    )
    heading = headings.heading(file_name)  # now: the dataset the table was read from
    st.download_button(
        "Télécharger (Excel)",
        lambda: workbook.table_bytes(table, heading),
        file_name=_excel_name(file_name),
        mime=workbook.MEDIA_TYPE,
        key=f"xlsx-{key}",
        on_click="ignore",
        icon=":material/table_view:",
        help=EXCEL_HELP,
    )


def _excel_name(file_name: str) -> str:
    return file_name.removesuffix(".csv") + ".xlsx"


def territory_pickers(
    level_col: DeltaGenerator,
    code_col: DeltaGenerator,
    territory: Territory,
    prefix: str,
    on_level: Callable[[], None],
    on_code: Callable[[], None],
) -> None:
    """Level and territory select boxes (keys `<prefix>-level`, `<prefix>-code`), searchable."""
    level_col.selectbox(
        "Niveau",
        list(LEVEL_LABELS),
        format_func=LEVEL_LABELS.get,
        key=f"{prefix}-level",
        on_change=on_level,
    )
    code_col.selectbox(
        "Territoire",
        territory_options(territory.level),
        format_func=lambda code: territory_label(territory.level, code),
        key=f"{prefix}-code",
        on_change=on_code,
        disabled=territory.level == "france",
    )


def flux_radio(column: DeltaGenerator, key: str, on_change: Callable[..., None], **kwargs) -> None:
    """Exportations / Importations / Les deux, stored as `export` / `import` / `tous`."""
    column.radio(
        "Flux",
        list(flows.CHOICES),
        format_func=flows.CHOICES.get,
        key=key,
        horizontal=True,
        on_change=on_change,
        **kwargs,
    )


def year_select(column: DeltaGenerator, key: str, on_change: Callable[[], None]) -> None:
    """The dataset's years, latest first, partial ones labelled (« 2025 (T1–T2) »)."""
    column.selectbox(
        "Année",
        sorted(queries.available_years(), reverse=True),
        format_func=queries.year_label,
        key=key,
        on_change=on_change,
    )


ONE_FLOW = {flow.name: flow.title for flow in flows.FLOWS}  # a map shows one flow at a time


def one_flow_radio(
    column: DeltaGenerator, label: str, key: str, on_change: Callable[[], None]
) -> None:
    """Exportations / Importations, stored as `export` / `import` (a map's flow)."""
    column.radio(
        label, list(ONE_FLOW), format_func=ONE_FLOW.get, key=key, horizontal=True,
        on_change=on_change,
    )  # fmt: skip


def territory_options(level: str) -> list[str]:
    if level == "dept":
        return list(refs.departements()["code"])
    if level == "region":
        return list(refs.regions()["code"])
    return [FRANCE.code]


def territory_label(level: str, code: str) -> str:
    if level == "france":
        return "France entière"
    return f"{code} – {Territory(level, code).name}"  # type: ignore[arg-type]


def flash(messages: list[tuple[str, str]]) -> None:
    """Messages (kind: success, warning or error; text) shown once, after the rerun that an
    action ends with (flash_messages)."""
    st.session_state[FLASH] = messages


def flash_messages() -> None:
    for kind, message in st.session_state.pop(FLASH, []):
        # File names and codes come from the uploads: escaped before the line breaks are added.
        FLASH_KINDS[kind](plain(message).replace("\n", "  \n"))


def progress_reporter(bar: DeltaGenerator) -> Callable[[int, int, str], None]:
    """The `on_progress(done, total, message)` of lib.sources.ingest and lib.sources.demo, drawn
    on `bar`."""

    def report(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=plain(message))

    return report


def release_abandoned_uploads() -> None:
    """Free the uploaded files of sessions that are gone.

    Streamlit keeps every uploaded file in memory until its session is shut down, and a
    session whose browser left is only dropped from a cache, never shut down: anybody could
    park files in the server's memory through the upload endpoint and leave. Each script run
    sweeps the files of inactive sessions (Streamlit internals, checked before use, as its own
    chat_input does).
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    if not Runtime.exists():
        return
    runtime = Runtime.instance()
    manager = runtime.uploaded_file_mgr
    if not isinstance(manager, MemoryUploadedFileManager):
        return
    for session_id in list(manager.file_storage):
        if not runtime.is_active_session(session_id):
            manager.remove_session_files(session_id)
