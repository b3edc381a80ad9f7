"""Fixtures of the data-set tests: an empty download cache, and the shared data folder."""

import pytest

from tests.conftest import shared_data_dir


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Every test here downloads into (and reads the cache from) a fresh folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHENJING_CACHE", str(tmp_path_factory.mktemp("shenjing-cache")))
        yield


def shared_file(*parts):
    """A file of ../shared/data (or $SHENJING_DATA); the test is skipped when it is absent."""
    path = shared_data_dir().joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not found: set SHENJING_DATA to a folder holding {'/'.join(parts)}")
    return path
