"""AppTest of the fiche's texts and Territoires d'industrie, and of the ANCT file's upload on the
Importer page (administrator only). Expected names are the seed fiche's, written out here."""

from __future__ import annotations

import pytest

from lib.data import industry_lists
from lib.web import admin
from tests.conftest import rows
from tests.test_importer_access import PASSWORD, _log_in
from tests.test_importer_access import _fresh as _fresh  # the demo data, a fresh admin state
from tests.test_pages import open_page

MAYENNE_TI = [
    "Cœur de Maine",
    "Laval Agglomération",
    "Mayenne Communauté",
    "Mont des Avaloirs",
    "Pays de Château-Gontier",
]
MISSING = "Aucune liste de Territoires d'industrie n'est disponible pour ce département"
TI_TITLE = "Principaux Territoires d'industrie du département"


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def _unescaped(text: str) -> str:
    """Markdown as read: lib.core.escaping.plain's backslashes and word joiners removed."""
    return text.replace("\\", "").replace("\u2060", "")


def test_mayenne_shows_its_five_territoires_d_industrie_with_their_source() -> None:
    at = open_page("fiche", niveau="departement", code="53", annee="2024")
    text = _unescaped(_markdown(at))
    assert TI_TITLE in text
    listed = next(m.value for m in at.markdown if "Cœur de Maine" in _unescaped(m.value))
    assert _unescaped(listed) == "\n".join(f"- {name}" for name in MAYENNE_TI)
    captions = _unescaped(_captions(at))
    assert "moins de 5 communes dans le département ont été retirés" in captions
    assert (
        "Source : « Les indicateurs clés : commerce extérieur — Territoires d'industrie - "
        "Mayenne », ANCT–DGE, 2025." in captions
    )
    assert MISSING not in text
    # The introduction under the title; the closing texts in the last section, on demand.
    assert "à l'échelle du département (Mayenne)" in text
    assert "fondée sur les données douanières de 2024" not in text
    at.query_params["section"] = "contexte"
    at.run()
    text = _unescaped(_markdown(at))
    headers = [header.value for header in at.subheader]
    assert "Contexte et méthodologie" in headers and "Informations pratiques" in headers
    assert "Méthodologie" not in headers  # merged into « Contexte et méthodologie »
    assert "fondée sur les données douanières de 2024" in text
    assert "lieu de dédouanement" in text


def test_a_departement_without_list_says_so() -> None:
    at = open_page("fiche", niveau="departement", code="01", annee="2024")
    text = _unescaped(_markdown(at))
    assert TI_TITLE in text
    assert MISSING + " : importez le fichier de l'ANCT (page Importer)." in text


@pytest.mark.parametrize(("level", "code"), [("france", None), ("region", "52")])
def test_regions_and_france_show_nothing_about_it(level: str, code: str | None) -> None:
    params = {"niveau": "region" if level == "region" else "france", "annee": "2024"}
    if code:
        params["code"] = code
    at = open_page("fiche", **params)
    text = _unescaped(_markdown(at) + _captions(at))
    assert TI_TITLE not in text and MISSING not in text and "Cœur de Maine" not in text
    assert "Territoires d'industrie du département" not in text


def test_only_the_administrator_uploads_the_anct_file(
    use_dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    at = open_page("importer")
    assert not [t for t in at.toggle if t.key == "importer-anct-open"]  # anonymous: nothing
    at = _log_in(at, PASSWORD)
    assert len(at.get("file_uploader")) == 1  # the customs uploader; the ANCT one on demand
    assert "celles des fiches publiées" in _unescaped(_captions(at))
    at.toggle(key="importer-anct-open").set_value(True).run()
    uploader = next(u for u in at.get("file_uploader") if "importer-anct" in u.proto.id)
    lines = ["insee_com;lib_com;id_ti;lib_ti"]
    lines += [f"0100{i};Commune {i};TI9;Plaine de l'Ain" for i in range(5)]
    uploader.upload("ti.csv", "\n".join(lines).encode("latin-1"), "text/csv")
    at.run()
    next(b for b in at.button if b.key == "importer-anct-run").click().run()
    assert not at.exception
    assert any("1 territoire retenu dans 1 département" in _unescaped(s.value) for s in at.success)
    assert industry_lists.for_dept("01", data_dir)[0] == ["Plaine de l'Ain"]
    fiche = open_page("fiche", niveau="departement", code="01", annee="2024")
    assert "- Plaine de l'Ain" in _unescaped(_markdown(fiche))
    assert "fichier de l'ANCT « ti.csv »" in _unescaped(_captions(fiche))
    mayenne = open_page("fiche", niveau="departement", code="53", annee="2024")
    assert "Aucun Territoire d'industrie ne compte au moins 5 communes" in _unescaped(
        _markdown(mayenne)
    )


def test_a_refused_anct_file_is_reported_and_changes_nothing(
    use_dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    monkeypatch.setenv(admin.ENV_PASSWORD, PASSWORD)
    at = _log_in(open_page("importer"), PASSWORD)
    at.toggle(key="importer-anct-open").set_value(True).run()
    uploader = next(u for u in at.get("file_uploader") if "importer-anct" in u.proto.id)
    uploader.upload("**gras** <i>x<i>.csv", b"code;nom\n53001;A\n", "text/csv")
    at.run()
    at = next(b for b in at.button if b.key == "importer-anct-run").click().run()
    errors = [_unescaped(e.value) for e in at.error]
    assert any("n'est pas la liste des Territoires d'industrie de l'ANCT" in e for e in errors)
    assert any("« **gras** <i>x<i>.csv »" in e for e in errors)  # the name shown as text
    assert not (data_dir / industry_lists.STORED_FILE).exists()
