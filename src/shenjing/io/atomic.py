"""Atomic file writes: a file is written under a temporary name beside its final one,
flushed to disk, then moved into place in one step (``os.replace``).

A crash or an error at any moment leaves either the old file or the new one, never half
of one, and never a stray temporary file after an error.

    with atomic_path("model.safetensors") as tmp:
        write_the_file(tmp)          # any error here: tmp removed, model.safetensors untouched
"""

import contextlib
import os
import secrets


def _fsync_path(path, directory=False):
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a fresh temporary path in ``path``'s folder; on success it replaces ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: folder {folder!r} does not exist")
    base = os.path.basename(path)
    while True:  # reserve a name no one else uses; 0o666 lets the umask set the mode
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        # the mode the file should end with: the old file's, else the umask's default
        mode = os.stat(path if os.path.exists(path) else tmp).st_mode & 0o7777
        yield tmp
        os.chmod(tmp, mode)  # some writers (safetensors >= 0.5) make their file 0600
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        _fsync_path(folder, directory=True)


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """``open(path, mode)`` for writing, atomically: the file appears only once complete."""
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open: expected mode 'w', 'wt' or 'wb', got {mode!r}")
    with atomic_path(path) as tmp:
        with open(tmp, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
