"""Importing customs files through the page, as a person would: status, progress, errors that
write nothing, then back to the demonstration data."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests import customs_files
from tests.e2e.conftest import ADMIN_PASSWORD, screenshot
from tests.e2e.test_explorer import NB, _text, wait_for_app

UPLOAD = "[data-testid='stFileUploader'] input[type='file']"


def _customs_csv(path: Path, rows: list[str]) -> Path:
    header = "Flux;Année;Département;Code A129;Code pays;Valeur (euros)"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="cp1252")
    return path


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def _login(page) -> None:
    """Become administrator on the Importer page (the form, as a person would)."""
    page.get_by_label("Mot de passe ou jeton").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()


def _upload_and_run(page, *paths: Path) -> None:
    """Upload, analyse, and confirm the preview when there is one (not after an error)."""
    page.locator(UPLOAD).set_input_files([str(p) for p in paths])
    for path in paths:
        page.get_by_text(path.name).first.wait_for()
    page.get_by_role("button", name="Analyser les fichiers").click()
    preview = page.get_by_text("Aperçu avant import")
    error = page.locator("[data-testid='stAlertContentError']")
    preview.or_(error).first.wait_for(timeout=60_000)
    if preview.count():
        page.get_by_role("button", name="Confirmer l'import").click()


def test_import_a_file_then_go_back_to_the_demo(
    page, own_app_url: str, own_data_dir: Path, tmp_path: Path
) -> None:
    page.goto(f"{own_app_url}/importer")
    wait_for_app(page)
    page.get_by_text("données de démonstration synthétiques").first.wait_for()
    # An anonymous visitor sees the status, no upload: a wrong password is refused.
    assert page.locator(UPLOAD).count() == 0
    page.get_by_label("Mot de passe ou jeton").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Mot de passe ou jeton incorrect").first.wait_for()
    _login(page)
    screenshot(page, "10-importer")

    # A bad file: one French line naming the file and the line, nothing written.
    before = _digests(own_data_dir)
    bad = _customs_csv(
        tmp_path / "mauvais.csv", ["E;2024;53;C21Z;DE;12,5", "E;2024;53;C21Z;DE;12a"]
    )
    _upload_and_run(page, bad)
    page.get_by_text(re.compile(r"mauvais\.csv, ligne 3 .*12a")).first.wait_for()
    assert _digests(own_data_dir) == before
    screenshot(page, "11-importer-erreur")

    # A good file replaces 2024 only.
    good = _customs_csv(
        tmp_path / "douanes_2024.csv",
        ["Exportations;2024;53;C21Z;DE;1 000 000,50", "Importations;2024;53;C10A;BE;250 000"],
    )
    page.goto(f"{own_app_url}/importer")
    wait_for_app(page)
    _login(page)
    _upload_and_run(page, good)
    page.get_by_text("Import terminé").first.wait_for(timeout=60_000)
    page.get_by_text("fichiers importés et années de démonstration").first.wait_for()
    screenshot(page, "12-importer-ok")

    page.goto(f"{own_app_url}/fiche?niveau=departement&code=53&annee=2024")
    wait_for_app(page)
    page.get_by_text(_text(f"1,0{NB}M€")).first.wait_for()
    # Other years are still the demonstration's, so the banner stays.
    assert page.get_by_text("Données de démonstration synthétiques").first.is_visible()

    # Back to the demonstration data.
    page.goto(f"{own_app_url}/importer")
    wait_for_app(page)
    _login(page)
    page.get_by_text("Je confirme le remplacement").click()
    page.get_by_role("button", name="Revenir aux données de démonstration").click()
    page.get_by_text("Le jeu de démonstration est de nouveau en place").first.wait_for(
        timeout=60_000
    )
    page.goto(f"{own_app_url}/fiche?niveau=departement&code=53&annee=2024")
    wait_for_app(page)
    page.get_by_text(_text(f"1{NB}773,5{NB}M€")).first.wait_for()


def _meur(value_eur: float) -> str:
    """French M€ with one decimal, written independently of lib.core.formatting."""
    whole, decimal = f"{value_eur / 1e6:,.1f}".split(".")
    return f"{whole.replace(',', NB)},{decimal}{NB}M€"


def test_import_the_published_zips_of_a_partial_year(
    page, own_app_url: str, own_data_dir: Path, tmp_path: Path
) -> None:
    """The two ZIPs of 2025 as the customs publish them (headerless, labels beside, T1–T2):
    preview, confirm, then the fiche shows their figures, the year labelled as partial."""
    rows = customs_files.sample_rows(seed=7, years=(2025,), quarters=(1, 2), n=400)
    rows["value_eur"] = rows["value_eur"] * 1000  # millions of euros, to read on the fiche
    zips = [
        customs_files.write_published_zip(
            tmp_path / customs_files.published_zip_name(year, flow), part, year=year, flow=flow
        )
        for (year, flow), part in customs_files.split_by_year_flow(rows).items()
    ]
    exports = rows[rows["flow"] == "E"].groupby("dept")["value_eur"].sum()
    dept = str(exports.idxmax())

    page.goto(f"{own_app_url}/importer")
    wait_for_app(page)
    _login(page)
    page.locator(UPLOAD).set_input_files([str(p) for p in zips])
    page.get_by_role("button", name="Analyser les fichiers").click()
    page.get_by_text("Aperçu avant import").wait_for(timeout=60_000)
    page.get_by_text("2025 (T1–T2) export : nouveau.").wait_for()
    screenshot(page, "13-importer-apercu")
    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_text("Import terminé").first.wait_for(timeout=60_000)

    page.goto(f"{own_app_url}/fiche?niveau=departement&code={dept}&annee=2025")
    wait_for_app(page)
    page.get_by_text("Année 2025 (T1–T2) incomplète").first.wait_for()
    page.get_by_text(_text(_meur(exports[dept]))).first.wait_for()
    screenshot(page, "14-fiche-annee-partielle")
