"""The one place that imports ``mpi4py``: a missing package gives a one-line error naming
the ``distributed`` extra."""


def mpi():
    """The ``mpi4py.MPI`` module (importing it initialises MPI for this process)."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError("shenjing.distributed needs mpi4py and an MPI library: "
                          "pip install 'shenjing[distributed]' (and e.g. apt-get install "
                          "openmpi-bin libopenmpi-dev)") from error
    return MPI


def available():
    """True when ``mpi4py`` can be imported."""
    try:
        mpi()
    except ImportError:
        return False
    return True
