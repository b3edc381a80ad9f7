import pytest


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the oracle; the tests that compare with it are skipped without it."""
    return pytest.importorskip("torch")
