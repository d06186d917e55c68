"""Territoires d'industrie: the ANCT rule (at least five communes in the département) on a
hand-made file whose expected lists are written out by hand; the seed lists against the seed
fiches' own text; storage, refusals and the CLI."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.core import config
from lib.data import industry_lists, store
from lib.sources import industry_territories as ti
from lib.sources.industry_territories import cli

SEEDS_DIR = config.ROOT / "tests" / "seeds"  # the seed fiches as received (see its README)
SHARED_SEEDS = config.ROOT.parent / "shared" / "seeds"
HEADER = "insee_com;lib_com;id_ti;lib_ti"


def _communes(prefix: str, count: int, ti_id: str, name: str, start: int = 0) -> list[str]:
    """`count` distinct communes `<prefix><nnn>` of one territory."""
    width = 5 - len(prefix)
    return [
        f"{prefix}{i:0{width}d};Commune {i};{ti_id};{name}" for i in range(start, start + count)
    ]


def _anct_file() -> str:
    lines = [HEADER]
    lines += _communes("53", 5, "TI001", "Laval Agglomération")  # 5 in 53: kept
    lines += _communes("53", 4, "TI002", "Petit Territoire", start=100)  # 4: dropped
    lines += _communes("53", 6, "TI003", "Écommoy et Sarthe", start=200)  # 53: kept
    lines += _communes("72", 2, "TI003", "Écommoy et Sarthe")  # the same TI, 2 in 72: dropped
    lines += _communes("61", 5, "TI004", "Alençon")  # spans 61 (5) and 72 (7): kept in both
    lines += _communes("72", 7, "TI004", "Alençon", start=300)
    lines += _communes("2A", 3, "TI005", "Corse Sud-Est")  # 3 in 2A: dropped
    lines += _communes("2B", 5, "TI005", "Corse Sud-Est")  # 5 in 2B: kept
    lines += _communes("974", 5, "TI006", "Réunion Est")  # 97411 → 974, not 97
    lines += _communes("975", 6, "TI007", "Saint-Pierre")  # 975: outside the 101
    lines += ["53900;Commune répétée;TI008;Doublons"] * 5  # one commune five times: dropped
    lines += ["53901;Commune hors territoire;;"]  # in no territory
    lines += ["", ";;;"]  # blank rows
    return "\n".join(lines) + "\n"


EXPECTED = {  # by hand from _anct_file: département → names, alphabetical (É as E)
    "2B": ["Corse Sud-Est"],
    "53": ["Écommoy et Sarthe", "Laval Agglomération"],
    "61": ["Alençon"],
    "72": ["Alençon"],
    "974": ["Réunion Est"],
}


def _import(tmp_path: Path, content: bytes, name: str = "ti.csv", **kwargs) -> ti.Imported:
    return ti.import_file(io.BytesIO(content), name, tmp_path, **kwargs)


def test_the_anct_rule_keeps_territories_with_five_communes_in_the_departement(
    tmp_path: Path,
) -> None:
    imported = _import(tmp_path, _anct_file().encode("utf-8"))
    assert industry_lists.lists(tmp_path) == EXPECTED
    assert (imported.departements, imported.territories) == (5, 6)
    assert imported.outside == 6  # the six communes of 975
    names, source = industry_lists.for_dept("53", tmp_path)
    assert names == EXPECTED["53"]
    assert "fichier de l'ANCT « ti.csv », importé le" in source


def test_a_departement_without_territory_says_the_file_covers_it(tmp_path: Path) -> None:
    _import(tmp_path, _anct_file().encode("utf-8"))
    names, source = industry_lists.for_dept("01", tmp_path)
    assert names == [] and "ti.csv" in source
    names, _ = industry_lists.for_dept("42", tmp_path)  # a seed département: the imported file wins
    assert names == []


def test_a_new_import_is_shown_at_the_next_call(tmp_path: Path) -> None:
    """The lists are read once per version of the stored file (industry_lists._read), not at
    every fiche: a second import into the same folder is what the next call shows."""
    seeds, _ = industry_lists.for_dept("53", tmp_path)  # nothing imported: the seed fiche's
    assert seeds and seeds != EXPECTED["53"]
    _import(tmp_path, _anct_file().encode("utf-8"))
    assert industry_lists.for_dept("53", tmp_path)[0] == EXPECTED["53"]
    second = "\n".join([HEADER, *_communes("53", 5, "TI009", "Mayenne Nord")]) + "\n"
    _import(tmp_path, second.encode("utf-8"), name="ti2.csv")
    names, source = industry_lists.for_dept("53", tmp_path)
    assert names == ["Mayenne Nord"] and "ti2.csv" in source
    assert industry_lists.lists(tmp_path) == {"53": ["Mayenne Nord"]}


def test_a_latin1_file_with_crlf_and_extra_columns_reads_alike(tmp_path: Path) -> None:
    content = _anct_file().replace(HEADER, "INSEE_COM;LIB_COM;ID_TI;LIB_TI;autre")
    _import(tmp_path, content.replace("\n", "\r\n").encode("latin-1"))
    assert industry_lists.lists(tmp_path) == EXPECTED


def test_a_utf8_file_with_bom_and_quoted_header(tmp_path: Path) -> None:
    content = _anct_file().replace(HEADER, '"insee_com";"lib_com";"id_ti";"lib_ti"')
    _import(tmp_path, b"\xef\xbb\xbf" + content.encode("utf-8"))
    assert industry_lists.lists(tmp_path) == EXPECTED


def test_a_file_without_header_is_refused_in_french(tmp_path: Path) -> None:
    content = "\n".join(_communes("53", 5, "TI001", "Laval Agglomération"))
    with pytest.raises(ti.AnctFileError, match="en-tête insee_com;lib_com;id_ti;lib_ti"):
        _import(tmp_path, content.encode("utf-8"))
    assert not (tmp_path / industry_lists.STORED_FILE).exists()


def test_a_malformed_commune_code_is_refused_with_its_line(tmp_path: Path) -> None:
    content = HEADER + "\n53001;A;T;Nom\n5X002;B;T;Nom\n"
    with pytest.raises(ti.AnctFileError, match="ligne 3 : code commune « 5X002 » invalide"):
        _import(tmp_path, content.encode("utf-8"))


def test_a_file_where_no_territory_qualifies_changes_nothing(tmp_path: Path) -> None:
    _import(tmp_path, _anct_file().encode("utf-8"))
    before = (tmp_path / industry_lists.STORED_FILE).read_bytes()
    content = "\n".join([HEADER, *_communes("53", 4, "TI001", "Petit")])
    with pytest.raises(ti.AnctFileError, match="rien n'est modifié"):
        _import(tmp_path, content.encode("utf-8"))
    assert (tmp_path / industry_lists.STORED_FILE).read_bytes() == before


def test_formula_like_names_are_neutralised_in_the_stored_csv(tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://x.example","clic")'
    lines = [HEADER, *_communes("53", 5, "TI1", hostile), *_communes("61", 5, "TI2", "@SUM(A1)")]
    _import(tmp_path, "\n".join(lines).encode("utf-8"))
    with open(tmp_path / industry_lists.STORED_FILE, encoding="utf-8", newline="") as handle:
        cells = [row[1] for row in csv.reader(handle)][1:]
    assert cells == ["'" + hostile, "'@SUM(A1)"]


def test_an_oversized_file_is_refused_before_it_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = _anct_file().encode("utf-8")
    with pytest.raises(ti.AnctFileError, match="dépasse la taille maximale"):
        _import(tmp_path, content, limit=len(content) - 1)
    # The uploads' per-file limit (COMEXT_MAX_FILE_MB) caps the ANCT file's too.
    monkeypatch.setenv(config.ENV_MAX_FILE_MB, "0.001")  # 1 048 bytes
    assert ti.max_bytes() == 1048
    with pytest.raises(ti.AnctFileError, match="dépasse la taille maximale"):
        _import(tmp_path, content)
    assert not (tmp_path / industry_lists.STORED_FILE).exists()


def test_a_remote_dataset_refuses_the_import() -> None:
    with pytest.raises(store.ReadOnlyDataset, match="lecture seule"):
        ti.import_file(io.BytesIO(_anct_file().encode()), "ti.csv", "https://example.org/d")


def test_departement_of_a_commune() -> None:
    assert [ti.dept_of_commune(c) for c in ("53130", "01001", "2A004", "2B033", "97411")] == [
        "53",
        "01",
        "2A",
        "2B",
        "974",
    ]


# --- The seed fiches ------------------------------------------------------------------------------


def _seed_lists() -> dict[str, tuple[list[str], str]]:
    """Each seed fiche's list as printed, parsed here from the text files: département code →
    (names, the fiche's title)."""
    codes = pd.read_csv(config.REF_DIR / "departements.csv", dtype=str).set_index("name")["code"]
    result = {}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        lines = [line.strip().lstrip("#").strip() for line in path.read_text("utf-8").splitlines()]
        title = next(line for line in lines if line.startswith("Territoires d'industrie - "))
        start = next(i for i, line in enumerate(lines) if "Territoires d'Industrie du" in line)
        names = []
        for line in lines[start + 1 :]:
            if line.startswith("*") or line == "Contexte et méthodologie":
                break
            if line:
                names.append(re.sub(r"^- ", "", line))
        result[codes[title.split(" - ", 1)[1]]] = (names, title)
    return result


def test_the_seed_lists_are_the_seed_fiches_text(tmp_path: Path) -> None:
    seeds = _seed_lists()
    assert sorted(seeds) == ["42", "45", "53", "61", "94"]
    for dept, (names, title) in seeds.items():
        shown, source = industry_lists.for_dept(dept, tmp_path)  # no ANCT file there: the seeds
        assert shown == names, dept
        assert source == f"« Les indicateurs clés : commerce extérieur — {title} », ANCT–DGE, 2025"
    assert industry_lists.lists(tmp_path) == {dept: names for dept, (names, _) in seeds.items()}
    assert industry_lists.for_dept("01", tmp_path) == ([], "")


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_imports_the_file_beside_the_dataset(tmp_path: Path) -> None:
    source = tmp_path / "communes_ti.csv"
    source.write_bytes(_anct_file().encode("latin-1"))
    data_dir = tmp_path / "data"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.sources.industry_territories",
            str(source),
            "--data-dir",
            data_dir,
        ],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "6 territoires retenus dans 5 départements" in result.stdout
    assert industry_lists.lists(data_dir) == EXPECTED
    assert "communes_ti.csv" in industry_lists.for_dept("53", data_dir)[1]


def test_cli_errors_exit_2_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    assert cli.main([str(bad), "--data-dir", str(tmp_path)]) == 2
    assert "Erreur : « bad.csv » n'est pas la liste" in capsys.readouterr().err
    assert cli.main([str(tmp_path / "absent.csv"), "--data-dir", str(tmp_path)]) == 2
    assert "fichier illisible" in capsys.readouterr().err
    remote = ["--data-dir", "https://example.org/d"]
    good = tmp_path / "good.csv"
    good.write_text(_anct_file(), encoding="utf-8")
    assert cli.main([str(good), *remote]) == 2
    assert "lecture seule" in capsys.readouterr().err


def test_the_seed_copy_is_the_one_received() -> None:
    if not SHARED_SEEDS.exists():
        pytest.skip(f"{SHARED_SEEDS} is not available here")
    received = {path.name: path.read_bytes() for path in SHARED_SEEDS.glob("*.txt")}
    assert {path.name: path.read_bytes() for path in SEEDS_DIR.glob("*.txt")} == received
