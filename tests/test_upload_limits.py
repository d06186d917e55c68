"""Hostile uploads: size limits per file and per import, ZIP limits (total uncompressed size,
compression ratio, member count, member paths) checked from the directory and while reading,
members streamed rather than extracted where possible, uploads copied to disk by chunks.

The archives are small: deflated zeros compress about 1 000:1, so a few kilobytes exceed the
default ratio, and the size limits are lowered through the environment rather than written in
gigabytes. Expected sizes and counts are computed here from the bytes written.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import tempfile
import tomllib
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.core import config
from lib.sources import ingest, readers
from lib.sources.ingest import cli
from lib.sources.readers import IngestError, archives
from tests import customs_files as cf
from tests.test_ingest import committed_state, previous_dataset
from tests.test_readers import write_xlsx, write_zip

ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
HEADER = "Flux;Année;Mois;Département;Code A129;Code Pays;Valeur"


def csv_bytes(rows: int, first: int = 0) -> bytes:
    """A valid headered CSV of `rows` distinct rows (about 30 bytes each)."""
    lines = [HEADER] + [
        f"E;2024;{1 + i % 12};{1 + i % 95:02d};C10A;DE;{first + i}" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def zeros_zip(path: Path, size: int, member: str = "zeros.txt") -> Path:
    """An archive holding `size` zero bytes, deflated (about 1 000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, bytes(size))
    return path


def patch_directory(
    path: Path, member: str, *, compress_size: int | None = None, file_size: int | None = None
) -> Path:
    """Rewrite the sizes a ZIP's central directory declares for `member` (the data and the
    local header are left as they are): a directory that lies."""
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    position = struct.unpack_from("<I", data, end + 16)[0]  # offset of the central directory
    patched = False
    while data[position : position + 4] == b"PK\x01\x02":
        name_size, extra_size, comment_size = struct.unpack_from("<3H", data, position + 28)
        if bytes(data[position + 46 : position + 46 + name_size]).decode() == member:
            if compress_size is not None:
                struct.pack_into("<I", data, position + 20, compress_size)
            if file_size is not None:
                struct.pack_into("<I", data, position + 24, file_size)
            patched = True
        position += 46 + name_size + extra_size + comment_size
    assert patched, member
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the readers extract to, watched by the test."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def refusal(path: Path, budget: readers.ZipBudget | None = None) -> str:
    with pytest.raises(IngestError) as caught:
        readers.read_file(path, budget=budget)
    return str(caught.value)


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The members the readers write to disk, in order."""
    names: list[str] = []
    real = archives._extract

    def spy(archive, info, target, member, meter) -> None:
        names.append(info.filename)
        real(archive, info, target, member, meter)

    monkeypatch.setattr(archives, "_extract", spy)
    return names


# --- configuration --------------------------------------------------------------------------


def test_defaults_are_those_of_the_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        config.ENV_MAX_FILE_MB,
        config.ENV_MAX_IMPORT_MB,
        config.ENV_ZIP_MAX_UNCOMPRESSED_MB,
        config.ENV_ZIP_MAX_RATIO,
        config.ENV_ZIP_MAX_MEMBERS,
    ):
        monkeypatch.delenv(name, raising=False)
    limits = config.upload_limits()
    assert limits.zip == config.ZipLimits(2048 * MB, 100, 1000)
    assert (limits.max_file_bytes, limits.max_import_bytes) == (1024 * MB, 2048 * MB)
    assert limits.max_file_mb == 1024


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMEXT_MAX_FILE_MB", "300")
    monkeypatch.setenv("COMEXT_MAX_IMPORT_MB", "500")
    monkeypatch.setenv("COMEXT_ZIP_MAX_UNCOMPRESSED_MB", "0,5")
    monkeypatch.setenv("COMEXT_ZIP_MAX_RATIO", "20")
    monkeypatch.setenv("COMEXT_ZIP_MAX_MEMBERS", "10")
    limits = config.upload_limits()
    assert (limits.max_file_bytes, limits.max_import_bytes) == (300 * MB, 500 * MB)
    assert limits.zip == config.ZipLimits(MB // 2, 20, 10)
    nbsp = "\u00a0"
    assert limits.text() == (
        f"Taille maximale : 300{nbsp}Mo par fichier, 500{nbsp}Mo par import. Archives ZIP : "
        f"512{nbsp}ko une fois décompressées, 10 fichiers au plus, taux de compression 20:1 "
        "au plus."
    )


@pytest.mark.parametrize("raw", ["0", "-3", "beaucoup", "nan", "inf"])
def test_a_bad_limit_in_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("COMEXT_ZIP_MAX_MEMBERS", raw)
    with pytest.raises(ValueError, match="COMEXT_ZIP_MAX_MEMBERS"):
        config.zip_limits()


def test_the_per_file_limit_is_streamlits_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default per-file limit equals `server.maxUploadSize`; a lower server limit wins."""
    monkeypatch.delenv(config.ENV_MAX_FILE_MB, raising=False)
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server_mb = settings["server"]["maxUploadSize"]
    assert server_mb == config.DEFAULT_MAX_FILE_MB
    assert config.upload_limits(server_mb).max_file_bytes == server_mb * MB
    assert config.upload_limits(200).max_file_bytes == 200 * MB
    monkeypatch.setenv(config.ENV_MAX_FILE_MB, "50")
    assert config.upload_limits(server_mb).max_file_mb == 50


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 octets"),
        (2048, "2 ko"),
        (3 * MB // 2, "1,5 Mo"),
        (2 << 30, "2 Go"),
        (300 * MB, "300 Mo"),
    ],
)
def test_size_text(size: int, text: str) -> None:
    assert config.size_text(size) == text.replace(" ", "\u00a0")


# --- ZIP limits checked from the directory, before anything is extracted ---------------------


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path: Path, scratch: Path) -> None:
    """The issue's case, scaled down: zeros compressed about 1 000:1. It used to be extracted
    whole, then refused as « le fichier est vide »."""
    path = zeros_zip(tmp_path / "bombe.zip", 16 * MB)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("zeros.txt")
    ratio = round(info.file_size / info.compress_size)
    assert ratio > 500
    message = refusal(path)
    expected = f"bombe.zip : archive trop compressée : « zeros.txt » se décompresse à {ratio:,}:1"
    assert message.startswith(expected.replace(",", "\u00a0"))
    assert message.endswith("(limite : 100:1).")
    assert "vide" not in message
    assert leftovers(scratch) == []  # no extraction folder was even created


def test_the_ratio_limit_is_configured(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = zeros_zip(tmp_path / "bombe.zip", 16 * MB)
    monkeypatch.setenv("COMEXT_ZIP_MAX_RATIO", "5000")  # above deflate's best (about 1 032:1)
    assert "format non reconnu" in refusal(path)  # read, and refused for what it holds
    monkeypatch.setenv("COMEXT_ZIP_MAX_RATIO", "100")
    assert "archive trop compressée" in refusal(path)


def test_a_small_repetitive_member_is_not_a_bomb(tmp_path: Path) -> None:
    """Below RATIO_MIN_BYTES a member is never refused for its ratio: a short repetitive file
    compresses far beyond 100:1 and is harmless."""
    content = HEADER.encode() + b"\n" + b"E;2024;1;01;C10A;DE;1\n" * 40_000  # 880 ko
    assert len(content) < readers.RATIO_MIN_BYTES
    path = write_zip(tmp_path / "repetitif.zip", {"a.csv": content})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("a.csv")
    assert info.file_size / info.compress_size > 100
    assert readers.read_file(path).rows == 40_000


def test_the_total_uncompressed_size_is_refused_from_the_directory(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMEXT_ZIP_MAX_UNCOMPRESSED_MB", "1")
    noise = os.urandom(2 * MB)  # incompressible: its ratio is 1:1
    path = write_zip(tmp_path / "gros.zip", {"a.csv": csv_bytes(100), "notice.pdf": noise})
    declared = len(csv_bytes(100)) + len(noise)
    nbsp = "\u00a0"
    assert refusal(path) == (
        "gros.zip : archive trop volumineuse une fois décompressée : "
        f"{config.size_text(declared)} (limite : 1{nbsp}Mo)."
    )
    assert leftovers(scratch) == []


def test_two_thousand_members_are_refused_before_zipfile_reads_the_directory(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "milliers.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", csv_bytes(10))
        for index in range(1999):
            archive.writestr(f"f/{index}.csv", b"x")
    opened: list[object] = []

    class Spy(zipfile.ZipFile):
        def __init__(self, *args, **kwargs) -> None:
            opened.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", Spy)
    assert (
        refusal(path)
        == "milliers.zip : archive de trop de fichiers : 2\u00a0000 (limite : 1\u00a0000)."
    )
    assert opened == []
    assert leftovers(scratch) == []


def test_members_are_counted_in_a_zip64_directory_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 65 535 entries an archive ends with a ZIP64 record, which places the directory
    differently: lowering zipfile's threshold writes one with 2 000 entries."""
    path = tmp_path / "zip64.zip"
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 10)
        with zipfile.ZipFile(path, "w") as archive:
            for index in range(2000):
                archive.writestr(f"f/{index}.csv", b"x")
    assert zipfile.stringEndArchive64 in path.read_bytes()[-200:]
    assert archives._directory_summary(path, 5000) == (2000, False)
    monkeypatch.setenv("COMEXT_ZIP_MAX_MEMBERS", "100")
    assert (
        refusal(path)
        == "zip64.zip : archive de trop de fichiers : plus de 1\u00a0000 (limite : 100)."
    )


def test_the_member_limit_is_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = {"a.csv": csv_bytes(10), **{f"notes/{i}.pdf": b"%PDF" for i in range(9)}}
    path = write_zip(tmp_path / "dix.zip", members)
    monkeypatch.setenv("COMEXT_ZIP_MAX_MEMBERS", "10")
    assert readers.read_file(path).rows == 10
    monkeypatch.setenv("COMEXT_ZIP_MAX_MEMBERS", "9")
    assert refusal(path) == "dix.zip : archive de trop de fichiers : 10 (limite : 9)."


@pytest.mark.parametrize(
    "evil", ["../evil.txt", "/abs.txt", "a/../../evil.csv", "..\\evil.txt", "C:/abs.txt"]
)
def test_members_with_absolute_or_climbing_paths_are_refused(
    tmp_path: Path, scratch: Path, evil: str
) -> None:
    path = write_zip(tmp_path / "chemins.zip", {"a.csv": csv_bytes(10), evil: b"x"})
    with zipfile.ZipFile(path) as archive:
        assert evil in archive.namelist()  # zipfile kept the name as written
    assert refusal(path) == (
        f"chemins.zip : archive refusée : chemin « {evil} » hors de l'archive "
        "(chemin absolu ou remontant avec « .. »)."
    )
    assert leftovers(scratch) == []


def test_a_directory_that_lies_about_compressed_sizes_is_refused(
    tmp_path: Path, scratch: Path
) -> None:
    """A directory declaring a large compressed size hides the member's true ratio (zipfile
    stops at the end of the deflate stream anyway): the archive's layout tells the truth."""
    path = zeros_zip(tmp_path / "menteuse.zip", 8 * MB)
    patch_directory(path, "zeros.txt", compress_size=MB)  # declared: 8:1
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("zeros.txt")
        assert (info.file_size, info.compress_size) == (8 * MB, MB)
        assert archive.read(info) == bytes(8 * MB)  # still readable as declared
    message = refusal(path)
    assert message.startswith("menteuse.zip : archive trop compressée : « zeros.txt »")
    assert leftovers(scratch) == []


def test_a_directory_that_understates_a_size_never_yields_more(tmp_path: Path) -> None:
    """zipfile stops a member at its declared size and then fails its checksum: a directory
    declaring 1 000 bytes for 8 MB of zeros lets no more than 1 000 bytes out."""
    path = zeros_zip(tmp_path / "menteuse.zip", 8 * MB)
    patch_directory(path, "zeros.txt", file_size=1000)
    budget = readers.ZipBudget()
    message = refusal(path, budget)
    assert message.startswith("menteuse.zip/zeros.txt : fichier de l'archive illisible (Bad CRC")
    assert budget.uncompressed <= 1000


def test_a_workbook_is_a_zip_too(tmp_path: Path, scratch: Path) -> None:
    book = write_xlsx(tmp_path / "classeur.xlsx")
    path = tmp_path / "gonfle.xlsx"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("xl/media/image1.bin", bytes(8 * MB))
    assert refusal(path).startswith(
        "gonfle.xlsx : classeur XLSX trop compressé : « xl/media/image1.bin »"
    )
    assert readers.read_file(book).rows == 5  # the workbook itself is fine


# --- ... and enforced while reading ----------------------------------------------------------


@pytest.fixture
def fooled_directory(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Directory checks that let everything through, as if the directory had fooled them:
    each member may yield `allowance["bytes"]` before its ratio is refused."""
    allowance = {"bytes": 1 << 40}

    def check_directory(self, archive, name, words) -> list[int]:
        infos = archive.infolist()
        self.members += len(infos)
        return [allowance["bytes"]] * len(infos)

    monkeypatch.setattr(readers.ZipBudget, "check_directory", check_directory)
    monkeypatch.setattr(archives, "COPY_BYTES", 64 << 10)
    yield allowance


def test_the_total_size_is_enforced_while_reading(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch, fooled_directory: dict
) -> None:
    monkeypatch.setenv("COMEXT_ZIP_MAX_UNCOMPRESSED_MB", "1")
    content = csv_bytes(120_000)
    assert len(content) > 3 * MB
    path = write_zip(tmp_path / "gros.zip", {"gros.csv": content})
    partial: list[bool] = []
    real = archives._extract

    def extract(archive, info, target, member, meter) -> None:
        try:
            real(archive, info, target, member, meter)
        except IngestError:
            partial.append(target.exists())  # before the temporary folder's own clean-up
            raise

    monkeypatch.setattr(archives, "_extract", extract)
    budget = readers.ZipBudget()
    assert refusal(path, budget) == (
        "gros.zip : archive trop volumineuse une fois décompressée : limite de 1\u00a0Mo "
        "dépassée à la lecture de « gros.csv »."
    )
    # Stopped at the first chunk past the limit: not one more was read, the partial copy is gone.
    assert MB < budget.uncompressed <= MB + archives.COPY_BYTES
    assert partial == [False]
    assert leftovers(scratch) == []


def test_the_ratio_is_enforced_while_reading(
    tmp_path: Path, scratch: Path, fooled_directory: dict
) -> None:
    fooled_directory["bytes"] = 2 * MB
    path = write_zip(tmp_path / "bombe.zip", {"zeros.parquet": b"PAR1" + bytes(16 * MB)})
    budget = readers.ZipBudget()
    assert refusal(path, budget) == (
        "bombe.zip : archive trop compressée : « zeros.parquet » dépasse 100:1 à la lecture."
    )
    assert 2 * MB < budget.uncompressed <= 2 * MB + archives.COPY_BYTES
    assert leftovers(scratch) == []


# --- the limits cover the whole import, nested archives included ------------------------------


def test_the_total_size_counts_nested_archives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMEXT_ZIP_MAX_UNCOMPRESSED_MB", "1")
    first, second, third = csv_bytes(14_000), csv_bytes(14_000, 10**6), csv_bytes(14_000, 10**7)
    inner = write_zip(tmp_path / "inner.zip", {"b.csv": second, "c.csv": third}).read_bytes()
    outer = write_zip(tmp_path / "outer.zip", {"a.csv": first, "inner.zip": inner})
    assert len(first) + len(inner) < MB < len(second) + len(third) + len(first) + len(inner)
    assert readers.read_file(tmp_path / "inner.zip").rows == 28_000  # alone, within the limit
    read = len(first) + len(inner)
    declared = len(second) + len(third)
    assert refusal(outer) == (
        "outer.zip/inner.zip : archive trop volumineuse une fois décompressée : "
        f"{config.size_text(declared)}, {config.size_text(read + declared)} avec les fichiers "
        "déjà lus (limite : 1\u00a0Mo)."
    )


def test_the_member_count_counts_nested_archives(tmp_path: Path) -> None:
    inner_members = {"b.csv": csv_bytes(10), **{f"x/{i}.pdf": b"%PDF" for i in range(500)}}
    inner = write_zip(tmp_path / "inner.zip", inner_members).read_bytes()
    outer_members = {"a.csv": csv_bytes(10), **{f"y/{i}.pdf": b"%PDF" for i in range(600)}}
    outer = write_zip(tmp_path / "outer.zip", {**outer_members, "inner.zip": inner})
    assert readers.read_file(tmp_path / "inner.zip").rows == 10  # alone, within the limit
    assert refusal(outer) == (
        "outer.zip/inner.zip : archive de trop de fichiers : 501, 1\u00a0103 avec les fichiers "
        "déjà lus (limite : 1\u00a0000)."
    )


def test_the_limits_cover_every_file_of_an_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMEXT_ZIP_MAX_UNCOMPRESSED_MB", "1")
    first, second = csv_bytes(20_000), csv_bytes(20_000, 10**6)
    one = write_zip(tmp_path / "un.zip", {"a.csv": first})
    two = write_zip(tmp_path / "deux.zip", {"b.csv": second})
    assert len(first) < MB and len(second) < MB < len(first) + len(second)
    for alone in (one, two):
        ingest.discard(ingest.prepare([alone]))
    staging = tmp_path / "staging"
    with pytest.raises(IngestError) as caught:
        ingest.prepare([one, two], folder=staging)
    both = config.size_text(len(first) + len(second))
    assert str(caught.value) == (
        "deux.zip : archive trop volumineuse une fois décompressée : "
        f"{config.size_text(len(second))}, {both} avec les fichiers déjà lus (limite : 1\u00a0Mo)."
    )
    assert not staging.exists()


# --- nothing is lost to a refused input ---------------------------------------------------------


def test_a_refused_archive_leaves_the_dataset_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "dataset"
    previous_dataset(data_dir)
    before = committed_state(data_dir)
    bomb = zeros_zip(tmp_path / "bombe.zip", 16 * MB)
    good = write_zip(tmp_path / "bon.zip", {"a.csv": csv_bytes(10)})
    code = cli.main([str(good), str(bomb), "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("Erreur : bombe.zip : archive trop compressée : « zeros.txt »")
    assert committed_state(data_dir) == before


# --- members read as streams where possible -----------------------------------------------------


def test_label_files_and_notices_are_streamed_not_extracted(
    tmp_path: Path, scratch: Path, extracted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = cf.sample_rows(years=(2024,))
    frame = frame[frame["flow"] == "E"]
    path = cf.write_published_zip(tmp_path / "p.zip", frame, year=2024, flow="E")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("Regional-2024-export/LISEZMOI.txt", "Notes sur les données\n")
    with zipfile.ZipFile(path) as archive:
        files = [i.filename for i in archive.infolist() if not i.is_dir()]
    streamed = readers.read_file(path)
    assert extracted == ["Regional-2024-export/Region_2024_Export.txt"]  # the data file only
    assert len(files) == 5 and streamed.labels
    # The same archive with every member extracted, as before, reads the same.
    extracted.clear()
    monkeypatch.setattr(archives, "_streamed", lambda *args: False)
    on_disk = readers.read_file(path)
    assert sorted(extracted) == sorted(files)
    assert streamed.table.equals(on_disk.table)
    assert streamed.labels == on_disk.labels
    assert leftovers(scratch) == []


def test_a_member_of_nul_bytes_is_not_called_empty(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "nuls.zip", {"nuls.txt": bytes(1000)})
    assert refusal(path) == (
        f"nuls.zip/nuls.txt : format non reconnu (formats acceptés : {readers.FORMATS_FR})."
    )


def test_extraction_folders_of_a_killed_process_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f"{readers.extract_prefix(int(finished.stdout))}abc"
    alive = tmp_path / f"{readers.extract_prefix()}def"
    for folder in (dead, alive):
        folder.mkdir()
        (folder / "0.txt").write_bytes(b"x")
    assert ingest.remove_stale_staging() == 1
    assert not dead.exists() and alive.exists()


# --- uploads: copied to disk by chunks, within the per-file and per-import limits ---------------


class Stream(io.BytesIO):
    """An upload: a named stream that records the sizes asked of it."""

    def __init__(self, name: str, data: bytes, declared: bool = False) -> None:
        super().__init__(data)
        self.name = name
        self.asked: list[int] = []
        if declared:
            self.size = len(data)

    def read(self, size: int | None = -1, /) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


def limits(file_bytes: int, import_bytes: int) -> config.UploadLimits:
    return config.UploadLimits(file_bytes, import_bytes, config.zip_limits())


def test_uploads_are_copied_by_chunks(tmp_path: Path) -> None:
    data = os.urandom(3 * ingest.UPLOAD_CHUNK_BYTES + 5)
    uploads = [Stream("export.csv", data), Stream("export.csv", b"second")]
    paths = ingest.save_uploads(uploads, tmp_path, limits(10 * MB, 10 * MB))
    assert paths == [tmp_path / "0" / "export.csv", tmp_path / "1" / "export.csv"]
    assert paths[0].read_bytes() == data and paths[1].read_bytes() == b"second"
    assert set(uploads[0].asked) == {ingest.UPLOAD_CHUNK_BYTES}  # never the whole file at once


def test_an_upload_over_the_file_limit_is_refused_and_removed(tmp_path: Path) -> None:
    uploads = [Stream("a.csv", b"x" * 100), Stream("b.csv", b"y" * (2 * MB + 1))]
    with pytest.raises(IngestError) as caught:
        ingest.save_uploads(uploads, tmp_path, limits(2 * MB, 10 * MB))
    assert (
        str(caught.value) == "b.csv : fichier trop volumineux : (limite : 2\u00a0Mo par fichier)."
    )
    assert leftovers(tmp_path) == []
    assert sum(max(n, 0) for n in uploads[1].asked) <= 2 * MB + ingest.UPLOAD_CHUNK_BYTES


def test_an_upload_declaring_its_size_is_refused_before_it_is_read(tmp_path: Path) -> None:
    upload = Stream("b.csv", b"y" * (3 * MB), declared=True)
    with pytest.raises(IngestError) as caught:
        ingest.save_uploads([upload], tmp_path, limits(2 * MB, 10 * MB))
    nbsp = "\u00a0"
    assert str(caught.value) == (
        f"b.csv : fichier trop volumineux : 3{nbsp}Mo (limite : 2{nbsp}Mo par fichier)."
    )
    assert upload.asked == [] and leftovers(tmp_path) == []


def test_uploads_over_the_import_limit_are_refused_and_removed(tmp_path: Path) -> None:
    uploads = [Stream("a.csv", b"x" * (2 * MB)), Stream("b.csv", b"y" * (2 * MB))]
    with pytest.raises(IngestError) as caught:
        ingest.save_uploads(uploads, tmp_path, limits(3 * MB, 3 * MB))
    assert str(caught.value) == (
        "b.csv : import trop volumineux : plus avec ce fichier (limite : 3\u00a0Mo par import)."
    )
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("raw", "saved"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\moi\\export.csv", "export.csv"),
        ("..", "fichier"),
        ("", "fichier"),
        ("a\nb\x00c.csv", "abc.csv"),
        ("facture\u202efdp.csv", "facturefdp.csv"),  # a right-to-left override
        ("é" * 150 + ".csv", "é" * 98 + ".csv"),  # 200 bytes at most, the suffix kept
    ],
)
def test_upload_names_are_safe_file_names(tmp_path: Path, raw: str, saved: str) -> None:
    assert ingest.upload_name(raw) == saved
    (path,) = ingest.save_uploads([Stream(raw, b"x")], tmp_path, limits(MB, MB))
    assert path == tmp_path / "0" / saved and path.read_bytes() == b"x"


def test_prepare_checks_the_page_limits_before_reading(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.csv": csv_bytes(50_000)})
    size = path.stat().st_size
    with pytest.raises(IngestError, match=r"^a\.zip : fichier trop volumineux"):
        ingest.prepare([path], limits=limits(size - 1, 10 * MB))
    ingest.discard(ingest.prepare([path], limits=limits(size, size)))


def test_the_page_limits_reach_the_child_process(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.csv": csv_bytes(10)})
    with pytest.raises(ingest.IngestFailed) as caught:
        ingest.prepare_in_child([path], tmp_path / "staging", limits=limits(100, MB))
    nbsp = "\u00a0"
    size = config.size_text(path.stat().st_size)
    assert (
        str(caught.value)
        == f"a.zip : fichier trop volumineux : {size} (limite : 100{nbsp}octets par fichier)."
    )


def test_a_streamlit_upload_is_saved_without_copying_its_buffer(tmp_path: Path) -> None:
    """Streamlit's UploadedFile is a BytesIO sharing the upload's bytes: reading it by chunks
    leaves them shared, where `getbuffer()` would copy all of them."""
    from streamlit.proto.Common_pb2 import FileURLs
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    data = os.urandom(32 * MB)
    upload = UploadedFile(UploadedFileRec("id", "gros.csv", "text/csv", data), FileURLs())
    tracemalloc.start()
    try:
        (path,) = ingest.save_uploads([upload], tmp_path, limits(64 * MB, 64 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB
    assert path.read_bytes() == data
    tracemalloc.start()
    try:
        upload.getbuffer().release()  # what the page did: the whole buffer copied
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak > 30 * MB
