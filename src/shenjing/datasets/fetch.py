"""Finding a data file: a local copy first, then the cache, then a pinned download.

Every file a loader reads is a ``DataFile``: the data set's folder name, the file's name,
its SHA-256 and the public addresses it can be fetched from.  ``fetch(*files)`` returns
the path of the first good copy it finds, looking, in this order, in

1. ``path=`` (a folder, or the file itself) when the caller gives one;
2. ``$SHENJING_DATA/<dataset>/<file>`` and ``$SHENJING_DATA/<file>``;
3. the download cache, ``$SHENJING_CACHE/<dataset>/<file>`` (default: pooch's per-user
   cache folder, e.g. ``~/.cache/shenjing`` on Linux);
4. the network: the file is downloaded with ``pooch`` (``pip install 'shenjing[data]'``)
   into the cache.

Every copy is checked against its pinned SHA-256 before it is used; a local copy that
fails is an error (never silently replaced), a cached one is fetched again.  A download
is written under a temporary name beside its final one and moved into place only once
complete and verified (``shenjing.io.atomic``): the cache never holds a partial file.

Errors name the file, the expected SHA-256 and how to point ``SHENJING_DATA`` at a local
copy, so that an offline machine can be set up in one step.
"""

import dataclasses
import hashlib
import os
from pathlib import Path

from ..io.atomic import atomic_path

ENV_DATA = "SHENJING_DATA"
ENV_CACHE = "SHENJING_CACHE"


class DataFileError(OSError):
    """A data file is missing, corrupt or could not be downloaded; the message says which."""


class ChecksumError(DataFileError):
    """A data file's SHA-256 is not the pinned one (a truncated or different file)."""


@dataclasses.dataclass(frozen=True)
class DataFile:
    """One file of a data set: where it lives locally and where it can be fetched.

    ``urls`` are tried in order (mirrors); an empty tuple marks a file that is only ever
    read from a local copy (a repackaged file with no public address of its own).
    """

    dataset: str
    filename: str
    sha256: str
    size: int = None
    urls: tuple = ()

    @property
    def key(self):
        return f"{self.dataset}/{self.filename}"


# ---------------------------------------------------------------- folders

def data_dir():
    """The folder of local copies named by ``$SHENJING_DATA`` (None when unset)."""
    env = os.environ.get(ENV_DATA)
    return Path(env).expanduser() if env else None


def cache_dir():
    """The download cache: ``$SHENJING_CACHE``, else pooch's per-user cache for shenjing."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    try:
        import pooch
        return Path(pooch.os_cache("shenjing"))
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
        return Path(base).expanduser() / "shenjing"


# ---------------------------------------------------------------- checksums

_verified = {}  # (path, size, mtime_ns) -> sha256: a file is hashed once per process


def sha256_of(path):
    """The SHA-256 of the file at ``path`` (hex), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, file):
    """Raise ``ChecksumError`` unless the file at ``path`` has ``file``'s pinned SHA-256."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if _verified.get(key) == file.sha256:
        return path
    digest = sha256_of(path)
    if digest != file.sha256:
        size = "" if file.size is None else f" ({stat.st_size} bytes, expected {file.size})"
        raise ChecksumError(
            f"{file.key}: the copy at {path} is corrupt, truncated or a different version: "
            f"SHA-256 {digest}{size}, expected {file.sha256}. {_hint(file)}")
    _verified[key] = digest
    return path


def file_sha256(path):
    """The SHA-256 of ``path``, from the checks already made in this process when it can."""
    path = Path(path)
    stat = path.stat()
    known = _verified.get((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return known or sha256_of(path)


def _hint(file):
    return (f"To use a good local copy, put {file.filename} in <dir>/{file.dataset}/ and set "
            f"{ENV_DATA}=<dir> (or pass path=<dir>).")


# ---------------------------------------------------------------- lookup

def local_candidates(file, path=None):
    """The places a local copy of ``file`` may be, most specific first."""
    places = []
    for root in (Path(path).expanduser() if path is not None else None, data_dir()):
        if root is None:
            continue
        if root.is_file():
            if root.name == file.filename:
                places.append(root)
        else:
            places += [root / file.dataset / file.filename, root / file.filename]
    return places


def fetch(*files, path=None, download=True, progress=None):
    """The path of a verified copy of the first of ``files`` that can be found or fetched.

    ``files`` are alternatives for the same data (say the official archive and a
    repackaged one): local copies of any of them are used first, then cached ones, then
    the first with a public address is downloaded.  ``path`` is a folder (or the file
    itself) to look in before ``$SHENJING_DATA``.  ``progress``: show a download progress
    bar (default: when tqdm is installed).
    """
    if not files:
        raise ValueError("fetch: no file given")
    if path is not None:
        given = Path(path).expanduser()
        if given.is_file() and given.name not in {f.filename for f in files}:
            # a file under another name: it must be one of the alternatives, by content
            digest = sha256_of(given)
            for file in files:
                if digest == file.sha256:
                    return given
            raise ChecksumError(
                f"{given} is none of the files this loader reads "
                f"({', '.join(f.filename for f in files)}): its SHA-256 is {digest}, expected "
                f"{' or '.join(f.sha256 for f in files)}. {_hint(files[0])}")
    for file in files:
        for place in local_candidates(file, path):
            if place.is_file():
                return verify(place, file)
    cache = cache_dir()
    for file in files:
        cached = cache / file.dataset / file.filename
        if cached.is_file():
            try:
                return verify(cached, file)
            except ChecksumError:
                pass  # a stale or damaged cache entry: fetch it again below
    remote = [f for f in files if f.urls]
    looked = [str(p) for f in files for p in local_candidates(f, path)]
    looked += [str(cache / f.dataset / f.filename) for f in files]
    if not remote or not download:
        file = files[0]
        raise DataFileError(
            f"{file.key} not found (looked in: {', '.join(looked)}); expected SHA-256 "
            f"{file.sha256}. {_hint(file)}")
    return download_file(remote[0], cache / remote[0].dataset, progress=progress,
                         looked=looked)


def download_file(file, folder, progress=None, looked=()):
    """Download ``file`` into ``folder`` atomically, verified; returns its path.

    Each of ``file.urls`` is tried in turn.  The bytes go to a temporary file in
    ``folder``, are checked against the pinned SHA-256, and only then replace
    ``folder/<filename>``; on any failure the temporary file is removed.
    """
    try:
        import pooch
    except ImportError:
        raise ImportError(f"downloading {file.key} needs pooch: pip install 'shenjing[data]' "
                          f"(or use a local copy: {_hint(file)})") from None
    if progress is None:
        try:
            import tqdm  # noqa: F401 - pooch draws its progress bar with tqdm
            progress = True
        except ImportError:
            progress = False
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file.filename
    failures = []
    for url in file.urls:
        try:
            with atomic_path(target) as tmp:
                pooch.HTTPDownloader(progressbar=progress)(url, tmp, None)
                digest = sha256_of(tmp)
                if digest != file.sha256:
                    raise ChecksumError(f"{url} gave a file with SHA-256 {digest}, expected "
                                        f"{file.sha256}")
            _verified[(str(target.resolve()), target.stat().st_size,
                       target.stat().st_mtime_ns)] = file.sha256
            return target
        except KeyboardInterrupt:
            raise
        except Exception as e:  # network, HTTP or checksum: try the next mirror
            failures.append(f"{url}: {type(e).__name__}: {e}")
    where = f" Looked first in: {', '.join(looked)}." if looked else ""
    raise DataFileError(
        f"{file.key} could not be downloaded ({'; '.join(failures)}).{where} Expected SHA-256 "
        f"{file.sha256}. {_hint(file)}")
