"""The search engine underneath the tuner: Optuna, its storage, and a lock across workers.

- ``require_optuna()``: the ``optuna`` module, or a one-line ImportError naming the extra.
- ``open_storage(storage, folder)``: an Optuna ``RDBStorage`` on ``storage`` (a database
  address such as ``postgresql://user@host/db``), by default a SQLite file
  ``folder/tuner.db``; an error names the address and the driver it needs.
- ``storage_lock(storage)``: a lock held by one worker at a time, on every machine that
  shares the storage (a file lock beside a SQLite file, a PostgreSQL advisory lock), so that
  choosing the next trial is one step: no two workers claim the same trial.
"""

import contextlib
import os

# the module SQLAlchemy imports for a database -> the package that provides it
_DRIVERS = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary",
            "MySQLdb": "mysqlclient", "pymysql": "PyMySQL", "cx_Oracle": "cx_Oracle",
            "pyodbc": "pyodbc"}
_LOCK_KEY = 0x5EA6C4  # the advisory-lock key of a search, with the study's name mixed in


def require_optuna():
    """The ``optuna`` module, quiet (warnings only); ImportError naming the extra if missing."""
    try:
        import optuna
    except ImportError:
        raise ImportError("shenjing.tune needs optuna: pip install 'shenjing[tune]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def default_storage(folder):
    """The SQLite address of a search kept in ``folder``: ``sqlite:///folder/tuner.db``."""
    return "sqlite:///" + os.path.join(os.path.abspath(folder), "tuner.db")


def _public(url):
    """``url`` with any password hidden, for messages."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a database address at all: show it as given
        return str(url)


def open_storage(storage, folder=None):
    """An Optuna storage for ``storage``: a database address (str), an Optuna storage
    object (used as is), or None for ``default_storage(folder)``.

    ValueError naming the address and, when its driver is missing, the package to install."""
    optuna = require_optuna()
    if storage is not None and not isinstance(storage, str):
        return storage
    url = given = storage or default_storage(folder)
    scheme = url.split(":", 1)[0]
    kwargs = {}
    if scheme == "sqlite":
        # several worker processes on one file: wait for the file lock instead of failing
        kwargs = {"connect_args": {"timeout": 120}}
    if scheme == "postgresql":   # name the driver: SQLAlchemy's default differs by version
        driver = "psycopg" if _importable("psycopg") or not _importable("psycopg2") else "psycopg2"
        url = f"postgresql+{driver}" + url[len("postgresql"):]
    try:
        return _retry(lambda: optuna.storages.RDBStorage(url, engine_kwargs=kwargs))
    except (ImportError, ModuleNotFoundError) as e:
        cause = e.__cause__ if isinstance(e.__cause__, ImportError) else e
        module = getattr(cause, "name", None)
        raise ValueError(f"tuner storage {_public(given)!r}: its database driver "
                         f"{module or scheme!r} is not installed"
                         + (f" (pip install '{_DRIVERS[module]}')" if module in _DRIVERS
                            else "")) from None
    except Exception as e:
        raise ValueError(f"tuner storage {_public(given)!r} cannot be opened: "
                         f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                         ) from None


def _importable(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _retry(make, tries=8, pause=0.5):
    """``make()``, tried again when it fails: workers starting together race to create the
    storage's tables, and all but one see the others' half-made schema once."""
    import time
    for attempt in range(tries):
        try:
            return make()
        except ImportError:
            raise
        except Exception as e:
            text = str(e).lower()
            racing = ("unique" in text or "exists" in text or "locked" in text
                      or "duplicate" in text)
            if not racing or attempt == tries - 1:
                raise
            time.sleep(pause * (1 + attempt))


def storage_url(storage):
    """The database address of an Optuna ``RDBStorage`` (None for other storages)."""
    engine = getattr(storage, "engine", None)
    return None if engine is None else engine.url.render_as_string(hide_password=False)


@contextlib.contextmanager
def storage_lock(storage, name, folder):
    """Hold the search's lock for the duration of the block (blocking until it is free).

    PostgreSQL: a session advisory lock, so workers on many machines exclude each other.
    Otherwise: an ``fcntl`` lock on a file beside the database (or in ``folder``), which
    excludes workers on this machine (and on machines sharing the folder)."""
    url = storage_url(storage) or ""
    if url.startswith("postgresql"):
        import zlib
        from sqlalchemy import text
        key = (_LOCK_KEY << 24) ^ zlib.crc32(name.encode())
        with storage.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return
    import fcntl
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = url[len("sqlite:///"):] + f".{name}.lock"
    else:
        path = os.path.join(folder, f".{name}.lock")
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
