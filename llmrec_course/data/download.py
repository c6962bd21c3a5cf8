"""Where the real datasets live on disk, and how to fetch them (explicitly, never at import).

The folder holding the official files is found in this order:

1. the ``data_dir=`` argument of a loader,
2. the environment variable ``LLMREC_DATA_DIR``,
3. the cache folder ``~/.cache/llmrec-course/data`` (``$LLMREC_CACHE_DIR/data`` when
   ``LLMREC_CACHE_DIR`` is set).

Inside that root a dataset may sit directly, or in its standard sub-folder
(``<root>/mind/MINDsmall_train/``, ``<root>/ml-latest-small/``, ...). A ``.gz`` file may
also be present decompressed (``Gift_Cards_5.json`` for ``Gift_Cards_5.json.gz``).

``read_lines`` reads any text file line by line, ``iter_rows`` / ``read_rows`` the delimited
ones (TSV/CSV); their errors name the file and the true line number, and an empty file is an
error.

Downloads happen only when a loader is called with ``download=True``. ``fetch`` writes to a
temporary file and renames it with ``os.replace`` once the size and the sha256 check out, so
an interrupted download never leaves a file that later reads as valid. Taught in notebook 02.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import cache_root
from ..progress import bar as progress_bar

DATA_ENV = "LLMREC_DATA_DIR"
_CHUNK = 1 << 20  # bytes read per step


class MissingDataError(FileNotFoundError):
    """The official files of a dataset are not on disk (and were not, or could not be, fetched)."""


class DataFormatError(ValueError):
    """A data file breaks its official format; the message names the file and the line."""

    def __init__(self, path: str | os.PathLike, line: int | None, problem: str):
        self.path, self.line, self.problem = Path(path), line, problem
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")


class DownloadError(OSError):
    """A download failed or was cut short; nothing was left at the destination."""


class ChecksumError(DownloadError):
    """A downloaded file's sha256 differs from the published one; the file was removed."""


@dataclass(frozen=True)
class Source:
    """The official files of one dataset and where they come from.

    ``files`` are required, ``urls`` maps a file name to its own URL, ``archive`` is a zip URL
    holding every file, and ``sha256`` holds the known digests of files (or of the archive,
    keyed by the archive's file name).
    """

    name: str
    subdir: str
    files: tuple[str, ...]
    homepage: str
    urls: dict[str, str] = field(default_factory=dict)
    archive: str | None = None
    sha256: dict[str, str] = field(default_factory=dict)

    def url_text(self) -> str:
        """The official download URL(s), one per line."""
        links = [self.archive] if self.archive else [self.urls[f] for f in self.files]
        return "\n".join(f"  {u}" for u in links) + f"\n  (home page: {self.homepage})"


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """The data root: the argument, else ``$LLMREC_DATA_DIR``, else ``cache_root()/"data"``."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else cache_root() / "data"


def candidate_dirs(source: Source, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders that may hold ``source``'s files: the root, ``root/subdir``, ``root/<last part>``."""
    root = data_root(data_dir)
    last = Path(source.subdir).name
    out: list[Path] = []
    for folder in (root, root / source.subdir, root / last):
        if folder not in out:
            out.append(folder)
    return out


def _present(folder: Path, name: str) -> Path | None:
    for candidate in (name, name[: -len(".gz")] if name.endswith(".gz") else None):
        if candidate and (folder / candidate).is_file():
            return folder / candidate
    return None


def locate(source: Source, data_dir: str | os.PathLike | None = None) -> dict[str, Path] | None:
    """Paths of all of ``source.files`` in the first folder that holds them all, else None."""
    for folder in candidate_dirs(source, data_dir):
        found = {name: _present(folder, name) for name in source.files}
        if all(found.values()):
            return found  # type: ignore[return-value]
    return None


def missing_error(source: Source, data_dir=None, reason: str = "") -> MissingDataError:
    """A ``MissingDataError`` that names the files, the folder to put them in and the URL."""
    target = data_root(data_dir) / source.subdir
    looked = ", ".join(str(p) for p in candidate_dirs(source, data_dir))
    msg = (
        f"{source.name}: files not found: {', '.join(source.files)}.\n"
        f"Place them in {target}{' (unzip the archive there)' if source.archive else ''} "
        f"(looked in: {looked}).\n"
        f"Official download:\n{source.url_text()}\n"
    )
    if reason:
        msg += f"Download failed: {reason}"
    else:
        msg += f"Or call the loader with download=True (needs internet), or set {DATA_ENV}."
    return MissingDataError(msg)


def ensure(
    source: Source, data_dir: str | os.PathLike | None = None, download: bool = False
) -> dict[str, Path]:
    """Paths of ``source``'s files; fetch them into ``root/subdir`` first when ``download``.

    Raises ``MissingDataError`` (a ``FileNotFoundError``) when they are absent and not fetched.
    """
    found = locate(source, data_dir)
    if found is not None:
        return found
    if not download:
        raise missing_error(source, data_dir)
    target = data_root(data_dir) / source.subdir
    try:
        if source.archive:
            archive = target / Path(source.archive.split("?")[0]).name
            fetch(source.archive, archive, source.sha256.get(archive.name))
            try:
                extract_zip(archive, target, source.files, source.sha256)
            finally:
                archive.unlink(missing_ok=True)
        else:
            for name in source.files:
                if _present(target, name) is None:
                    fetch(source.urls[name], target / name, source.sha256.get(name))
    except (OSError, zipfile.BadZipFile) as err:
        raise missing_error(source, data_dir, reason=str(err)) from err
    found = locate(source, data_dir)
    if found is None:
        raise missing_error(source, data_dir, reason="the download did not hold every file")
    return found


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    url: str,
    dest: str | os.PathLike,
    sha256: str | None = None,
    *,
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest`` atomically, with a progress bar and an optional sha256 check.

    The bytes go to a temporary file next to ``dest``; it is renamed onto ``dest`` only when the
    stream ended at the announced length and the digest matches. On any failure the temporary
    file is removed and ``DownloadError`` / ``ChecksumError`` is raised.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    digest, written = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length") if resp.headers else None
            total = int(length) if length else None
            with progress_bar(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
            ) as bar:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    bar.update(len(chunk))
        if total is not None and written != total:
            raise DownloadError(f"{url}: stream ended after {written} of {total} bytes")
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise ChecksumError(
                f"{url}: sha256 {digest.hexdigest()} differs from the expected {sha256.lower()}; "
                f"the download was discarded ({dest} not written)"
            )
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, DownloadError) or not isinstance(err, Exception):
            raise
        raise DownloadError(f"{url}: {type(err).__name__}: {err}") from err
    os.replace(tmp, dest)
    return dest


def extract_zip(
    archive: str | os.PathLike,
    dest_dir: str | os.PathLike,
    files: Iterable[str],
    sha256: dict[str, str] | None = None,
) -> dict[str, Path]:
    """Extract the folder of ``archive`` that holds all of ``files`` into ``dest_dir``.

    Members are matched by base name (the zip's own folder layout is flattened), so a zip with
    or without a top folder works; other regular files of that folder come along (README,
    links.csv, ...). Each file is written to a temporary name, checked against ``sha256`` when
    known, then renamed. Returns the paths of ``files``.
    """
    archive, dest_dir, files = Path(archive), Path(dest_dir), list(files)
    dest_dir.mkdir(parents=True, exist_ok=True)
    sha256 = sha256 or {}
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
        folders: dict[str, list[zipfile.ZipInfo]] = {}
        for m in members:
            folders.setdefault(m.filename.rpartition("/")[0], []).append(m)
        chosen = next(
            (
                ms
                for ms in folders.values()
                if set(files) <= {m.filename.rpartition("/")[2] for m in ms}
            ),
            None,
        )
        if chosen is None:
            raise DataFormatError(archive, None, f"no folder in the zip holds all of {files}")
        out: dict[str, Path] = {}
        for m in chosen:
            name = m.filename.rpartition("/")[2]
            fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{name}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as fh, zf.open(m) as src:
                    while chunk := src.read(_CHUNK):
                        fh.write(chunk)
                if name in sha256 and file_sha256(tmp_name) != sha256[name]:
                    raise ChecksumError(
                        f"{archive}!{m.filename}: sha256 differs from {sha256[name]}"
                    )
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            os.replace(tmp_name, dest_dir / name)
            out[name] = dest_dir / name
    return {name: out[name] for name in files}


def read_lines(path: str | os.PathLike, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for every line of a text or ``.gz`` file, line ending kept.

    The bytes are split at ``\n`` *before* decoding and each line is decoded on its own, so
    a byte that is not ``encoding`` (or a truncated gzip stream) raises ``DataFormatError`` with
    the true 1-based number of the line that holds it: decoding the file in chunks would report
    the line where the failing chunk began. ``encoding`` must be ASCII-compatible (UTF-8,
    latin-1), as every official file here is.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    lineno = 0
    try:
        with opener(path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):  # noqa: B007 (lineno is used after the loop)
                try:
                    text = raw.decode(encoding)
                except UnicodeDecodeError as err:
                    raise DataFormatError(
                        path,
                        lineno,
                        f"not {encoding} text: byte {raw[err.start]:#04x} at column {err.start + 1}",
                    ) from None
                yield lineno, text
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise DataFormatError(
            path, lineno + 1, f"unreadable ({type(err).__name__}: {err})"
        ) from None


def empty_file_error(path: str | os.PathLike, saw_lines: bool, expected: str) -> DataFormatError:
    """The error for a file that holds no data: no lines at all (0 bytes), or only blank ones."""
    what = "only blank lines" if saw_lines else "no lines"
    return DataFormatError(path, None, f"empty file ({what}): expected {expected}")


def _convert(path: Path, line: int, row: list[str], fields, types) -> list:
    out = []
    for value, name, kind in zip(row, fields, types, strict=True):
        try:
            out.append(kind(value))
        except ValueError:
            raise DataFormatError(
                path, line, f"field {name!r} = {value!r} is not a valid {kind.__name__}"
            ) from None
    return out


def iter_rows(
    path: str | os.PathLike,
    fields: tuple[str, ...],
    *,
    header: bool = False,
    delimiter: str = "\t",
    quoting: int = csv.QUOTE_NONE,
    encoding: str = "utf-8",
    types: tuple[Callable[[str], object], ...] | None = None,
) -> Iterator[tuple[int, list]]:
    """Yield (line number, row) for each data row of a delimited text file.

    Each row has exactly ``len(fields)`` fields; its line number is the 1-based line where the
    row starts (a quoted field may span lines), counted over the raw file (see ``read_lines``).
    ``types`` (one callable per field, e.g. ``(int, str, float)``) converts the fields; a value
    that does not convert raises ``DataFormatError`` with its line and field name.
    CRLF and LF line endings both work. With ``header=True`` the first row must equal
    ``fields``. Blank lines (e.g. a trailing empty line) are skipped. A wrong field count, a
    wrong header, undecodable bytes, or a file with no data row (0 bytes, only blank lines, only
    the header) raise ``DataFormatError`` naming the file (and the line).
    """
    path = Path(path)
    lines = (text for _, text in read_lines(path, encoding))
    # csv counts the lines it pulls, so reader.line_num is the raw file's line number
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting, strict=True)
    expect_header, num_rows = header, 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise DataFormatError(path, reader.line_num, f"malformed row ({err})") from None
        if len(row) <= 1 and not "".join(row).strip():  # a blank (or whitespace-only) line
            continue
        if len(row) != len(fields):
            raise DataFormatError(
                path,
                start,
                f"expected {len(fields)} fields ({', '.join(fields)}), found {len(row)}",
            )
        if expect_header:
            if tuple(row) != tuple(fields):
                raise DataFormatError(path, start, f"header {row} is not {list(fields)}")
            expect_header = False
            continue
        num_rows += 1
        yield start, (row if types is None else _convert(path, start, row, fields, types))
    if num_rows == 0:
        if not header:
            raise empty_file_error(path, reader.line_num > 0, f"rows of {list(fields)}")
        if expect_header:
            raise empty_file_error(path, reader.line_num > 0, f"the header {list(fields)}")
        raise DataFormatError(path, None, f"empty file (only the header {list(fields)}): no rows")


def read_rows(
    path: str | os.PathLike,
    fields: tuple[str, ...],
    *,
    header: bool = False,
    delimiter: str = "\t",
    quoting: int = csv.QUOTE_NONE,
    encoding: str = "utf-8",
    types: tuple[Callable[[str], object], ...] | None = None,
) -> list[list]:
    """The rows of ``iter_rows`` (same arguments and errors), without their line numbers."""
    rows = iter_rows(
        path,
        fields,
        header=header,
        delimiter=delimiter,
        quoting=quoting,
        encoding=encoding,
        types=types,
    )
    return [row for _, row in rows]
