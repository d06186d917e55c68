"""The fiche as documents from the export CLI: `--fiche` for one territory, the collection of
`--all --fiche` (lib/fiche/collection.py) on a few territories, and a PDF that cannot be made.

Expected names come from the reference CSVs read with pandas, expected files from the folder
itself; the PDFs are read back with pypdf. No test asserts a duration.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from pypdf import PdfReader

from lib.core import config
from lib.core.territory import FRANCE, Territory
from lib.data import db
from lib.fiche import as_pdf, cli, collection
from lib.fiche.contents import DEMO_WARNING

ROOT = Path(__file__).resolve().parents[1]
CSVS = [
    "kpis.csv", "partners.csv", "products.csv", "products_cpf4.csv", "sankey_export.csv",
    "sankey_import.csv", "us_exposure.csv",
]  # fmt: skip
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (.+) — (\d+,\d s|\d+ min \d\d s)$")
UNAVAILABLE = "Chromium, qui imprime la fiche en PDF, n'est pas installé (simulé par le test)."


def ref_names(table: str) -> dict[str, str]:
    frame = pd.read_csv(ROOT / "data" / "ref" / f"{table}.csv", dtype=str, keep_default_na=False)
    return dict(zip(frame["code"], frame["name"], strict=True))


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def demo(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The demonstration dataset for this test (the CLI's `--data-dir` sets the same variable,
    which monkeypatch then restores)."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()
    yield demo_data_dir
    db.reset()


@pytest.fixture
def no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(as_pdf, "unavailable_reason", lambda: UNAVAILABLE)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = cli.main(list(argv))
    return status, capsys.readouterr().err


def test_fiche_option_writes_the_html_and_the_pdf(demo: Path, tmp_path: Path, capsys) -> None:
    name = ref_names("departements")["61"]
    status, err = run(capsys, "--data-dir", str(demo), "--level", "dept", "--code", "61",
                      "--year", "2024", "--fiche", "--out", str(tmp_path))  # fmt: skip
    assert status == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*CSVS, "fiche.html", "fiche.pdf"])
    assert "9 fichiers écrits" in err and "refusée" not in err
    assert (tmp_path / "fiche.pdf").read_bytes().startswith(b"%PDF")
    assert f"{name} (61)" in pdf_text(tmp_path / "fiche.pdf")
    assert html.escape(f"{name} (61)") in (tmp_path / "fiche.html").read_text(encoding="utf-8")


def test_unavailable_pdf_keeps_the_html_and_exits_3(
    demo: Path, tmp_path: Path, capsys, no_pdf
) -> None:
    (tmp_path / "fiche.pdf").write_bytes(b"%PDF stale, from an earlier run")
    status, err = run(capsys, "--data-dir", str(demo), "--level", "region", "--code", "28",
                      "--year", "2024", "--fiche", "--out", str(tmp_path))  # fmt: skip
    assert status == 3
    assert f"PDF non écrit : {UNAVAILABLE}" in err and "Traceback" not in err
    assert str(tmp_path / "fiche.html") in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*CSVS, "fiche.html"])
    page = (tmp_path / "fiche.html").read_text(encoding="utf-8")
    assert html.escape(ref_names("regions")["28"]) in page


def test_failed_print_keeps_the_html_and_exits_3(
    demo: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    class BrokenPrinter:
        def __init__(self) -> None:
            self.refused: list[str] = []

        def pdf(self, page: str) -> bytes:
            raise RuntimeError("Target page, context or browser has been closed\nCall log: …")

        def close(self) -> None:
            pass

    monkeypatch.setattr(as_pdf, "unavailable_reason", lambda: None)
    monkeypatch.setattr(as_pdf, "Printer", BrokenPrinter)
    status, err = run(capsys, "--data-dir", str(demo), "--level", "france", "--year", "2024",
                      "--fiche", "--out", str(tmp_path))  # fmt: skip
    assert status == 3
    assert "PDF non écrit : l'impression a échoué (Target page, context or browser has been " \
        "closed)." in err  # fmt: skip
    assert (tmp_path / "fiche.html").exists() and not (tmp_path / "fiche.pdf").exists()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value is not None:
                self.hrefs.append(value)
            if name == "src":
                self.sources.append(str(value))


def links(index: str) -> list[str]:
    parser = Links()
    parser.feed(index)
    assert parser.sources == []  # no script, image or frame
    return parser.hrefs


def files_below(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"index.html"}


def test_collection_of_three_territories_with_two_workers(demo: Path, tmp_path: Path) -> None:
    # Région 93 and département 22 have an apostrophe in their names: escaped in the index.
    targets = [Territory("dept", "22"), Territory("region", "93"), FRANCE]
    depts, regions = ref_names("departements"), ref_names("regions")
    labels = [f"{depts['22']} (22)", f"{regions['93']} (93)", "France entière"]
    progress = io.StringIO()
    summary = collection.collect(targets, 2024, 10, tmp_path, workers=2, progress=progress)

    folders = {"dept_22": labels[0], "region_93": labels[1], "france": labels[2]}
    assert {p.name for p in tmp_path.iterdir() if p.is_dir()} == set(folders)
    for folder, label in folders.items():
        names = sorted(p.name for p in (tmp_path / folder).iterdir())
        assert names == sorted([*CSVS, "fiche.html", "fiche.pdf"])
        assert (tmp_path / folder / "fiche.pdf").read_bytes().startswith(b"%PDF")
        assert label.split(" (")[0] in pdf_text(tmp_path / folder / "fiche.pdf")

    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    hrefs = links(index)
    assert {unquote(urlsplit(h).path) for h in hrefs} == files_below(tmp_path)
    assert all(not urlsplit(h).scheme and not h.startswith("/") for h in hrefs)
    assert not re.search(r"https?:|@import|url\(|<link", index)
    assert "d'Armor" in labels[0] and "d'Azur" in labels[1]
    for label in labels:
        assert html.escape(label) in index and (label == html.escape(label) or label not in index)
    positions = [
        index.index(f"<h2>{group}</h2>") for group in ("France", "Régions", "Départements")
    ]
    assert positions == sorted(positions)
    assert (
        index.index(html.escape(labels[2]))
        < index.index(html.escape(labels[1]))
        < (index.index(html.escape(labels[0])))
    )
    assert html.escape(DEMO_WARNING) in index
    assert index.index(html.escape(DEMO_WARNING)) < index.index("<h1>")
    assert "Source : DGDDI" in index and 'lang="fr"' in index

    lines = progress.getvalue().splitlines()
    matches = [PROGRESS.match(line) for line in lines[:3]]
    assert all(matches), lines
    assert [m.group(1) for m in matches if m] == ["1", "2", "3"]
    assert sorted(m.group(3) for m in matches if m) == sorted(labels)
    assert len(lines) == 4 and lines[3].startswith(f"27 fichiers écrits dans {tmp_path} (3 ")
    assert "2 processus" in lines[3] and "index.html" in lines[3]
    assert summary.failed == [] and summary.without_pdf == []
    assert all(result.refused == () for result in summary.results)


def test_collection_without_pdf_links_only_the_html(demo: Path, tmp_path: Path, no_pdf) -> None:
    stale = tmp_path / "dept_53" / "fiche.pdf"
    stale.parent.mkdir()
    stale.write_bytes(b"%PDF stale")
    progress = io.StringIO()
    targets = [Territory("dept", "53"), Territory("region", "52")]
    summary = collection.collect(targets, 2024, 10, tmp_path, workers=1, progress=progress)
    assert not stale.exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    hrefs = links(index)
    assert {unquote(h) for h in hrefs} == files_below(tmp_path)
    assert not any(h.endswith(".pdf") for h in hrefs)
    assert index.count("PDF non écrit") == 2
    assert len(summary.without_pdf) == 2
    lines = progress.getvalue().splitlines()
    assert all(line.endswith(" — PDF non écrit") for line in lines[:2])
    assert lines[-1] == f"PDF non écrit pour 2 fiche(s) (HTML écrit) : {UNAVAILABLE}"


def test_all_with_fiche_exits_3_when_no_pdf_can_be_made(
    demo: Path, tmp_path: Path, capsys, monkeypatch, no_pdf
) -> None:
    # The 120 territories take minutes: the CLI runs here on two of them.
    two = [FRANCE, Territory("dept", "2A")]
    monkeypatch.setattr(collection, "territories", lambda: two)
    status, err = run(capsys, "--data-dir", str(demo), "--all", "--fiche", "--year", "2024",
                      "--workers", "1", "--out", str(tmp_path))  # fmt: skip
    assert status == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dept_2A", "france", "index.html"]
    assert f"PDF non écrit pour 2 fiche(s) (HTML écrit) : {UNAVAILABLE}" in err
    assert "Traceback" not in err


def test_a_failed_territory_is_reported_and_the_others_written(
    demo: Path, tmp_path: Path, capsys, monkeypatch, no_pdf
) -> None:
    real = collection.contents.build

    def build(territory: Territory, *args: object, **kwargs: object) -> object:
        if territory.level == "region":
            raise RuntimeError("requête interrompue\ndétail")
        return real(territory, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(collection.contents, "build", build)
    two = [Territory("region", "94"), Territory("dept", "2B")]
    monkeypatch.setattr(collection, "territories", lambda: two)
    status, err = run(capsys, "--data-dir", str(demo), "--all", "--fiche", "--year", "2024",
                      "--workers", "1", "--out", str(tmp_path))  # fmt: skip
    assert status == 1
    region = ref_names("regions")["94"]
    assert f"Échec pour {region} (94) : requête interrompue" in err
    assert (tmp_path / "dept_2B" / "fiche.html").exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "échec : requête interrompue" in index


def test_index_escapes_every_text(demo: Path, monkeypatch) -> None:
    hostile = '<script>alert("x")</script> & Cie'
    monkeypatch.setattr("lib.core.refs.dept_name", lambda code: hostile)
    result = collection.Result(
        Territory("dept", "53"), Path("dept_53"), ("fiche.html", "kpis.csv"), 1.0,
        pdf_error='<b>"non"</b>', footer="Source <&>", error=None,
    )  # fmt: skip
    failed = collection.Result(
        Territory("dept", "61"), Path("dept_61"), (), 1.0, error="<img src=x onerror=1>"
    )
    index = collection.index_html(2024, [result, failed])
    assert "<script" not in index and "<b>" not in index and "<img" not in index
    assert html.escape(hostile) in index and "Source &lt;&amp;&gt;" in index
    assert html.escape('<b>"non"</b>') in index
    assert html.escape("<img src=x onerror=1>") in index


def test_progress_line_uses_a_decimal_comma() -> None:
    result = collection.Result(Territory("dept", "53"), Path("dept_53"), (), 2.64)
    line = collection.progress_line(12, 120, result)
    assert line == f"[12/120] {ref_names('departements')['53']} (53) — 2,6 s"
    assert collection.seconds_text(247.4) == "4 min 07 s"
