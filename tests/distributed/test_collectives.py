"""shenjing.distributed under ``mpirun -n 2``: each collective against a NumPy reference,
and the errors for bad input (before init, mismatched shapes, a rank that raises)."""

import os

import pytest

import shenjing.distributed as dist
import shenjing as torch


def test_collective_before_init_names_the_call_and_the_fix():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match=r"all_reduce: the default process group is not "
                                           r"initialized.*init_process_group\(backend='mpi'\)"):
        dist.all_reduce(torch.zeros(2))
    with pytest.raises(RuntimeError, match="get_rank: the default process group"):
        dist.get_rank()


def test_only_the_mpi_backend_exists():
    with pytest.raises(ValueError, match="backend='nccl' is not available.*MPI"):
        dist.init_process_group(backend="nccl")


def test_every_collective_matches_numpy_on_two_ranks(mpi, tmp_path):
    done = mpi.run("collectives.py", tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank, result in enumerate(mpi.results(tmp_path)):
        assert result["world"] == 2 and result["rank"] == rank
        err = result["err"]
        assert err.pop("same_memory") is True  # a contiguous tensor is reduced in place
        assert err, "no collective was checked"
        for name, gap in err.items():
            assert gap == pytest.approx(0.0, abs=1e-5), name


def test_mismatched_shapes_name_every_rank_and_shape(mpi, tmp_path):
    done = mpi.run("collectives.py", tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank, result in enumerate(mpi.results(tmp_path)):
        messages = result["messages"]
        assert f"all_reduce: rank {rank}:" in messages["mismatch"]
        assert "rank 0: (3, 4) float32" in messages["mismatch"]
        assert "rank 1: (3, 5) float32" in messages["mismatch"]
        assert "tensor_list should hold 2 tensors" in messages["list_length"]
        assert f"launcher rank {rank}" in messages["after_destroy"]


def test_a_rank_that_raises_ends_the_job_instead_of_hanging(mpi):
    # rank 0 sits in all_reduce waiting for rank 1, which raised: without the abort this
    # would wait until the timeout (and subprocess.run would raise TimeoutExpired)
    done = mpi.run("raises.py", timeout=60)
    assert done.returncode != 0
    assert "rank 0 finished" not in done.stdout
    assert "[shenjing.distributed rank 1] uncaught exception" in done.stderr
    assert "rank one failed on purpose" in done.stderr



def test_a_hang_is_ended_by_the_timeout_with_every_rank(mpi):
    # rank 1 sleeps instead of joining all_reduce: the harness's timeout must end the job
    with pytest.raises(pytest.fail.Exception, match="did not end within 5 s"):
        mpi.run("hangs.py", timeout=5)
    with pytest.raises(ProcessLookupError):   # mpirun's session, every rank in it, is gone
        os.killpg(mpi.last_pid, 0)
