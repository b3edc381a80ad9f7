"""keras.distribution.DataParallel under ``mpirun -n 2``: fit on real MNIST equals one
process on the whole batches; logs are reduced; only rank 0 writes checkpoints."""

import pytest


@pytest.fixture(scope="module")
def fitted(mpi, mnist_npz, tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras_fit")
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    done = mpi.run("keras_fit.py", folder, mnist_npz, checkpoints, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return mpi.results(folder)


def test_fit_on_two_ranks_equals_one_process_on_whole_batches(fitted):
    for result in fitted:
        assert result["gap"] < 1e-5          # 2 epochs of Adam, the last batch split 26/27
        assert result["rank_gap"] == 0.0     # shuffled epochs: the ranks still agree
        assert result["tf_gap"] < 1e-5       # compiled in scope(), fit after it


def test_history_is_the_whole_batch_mean_on_every_rank(fitted):
    for result in fitted:
        for key in ("loss", "accuracy"):
            assert result["history"][key] == pytest.approx(result["expected"][key], rel=1e-5)


def test_only_rank_0_writes_checkpoints(fitted):
    for result in fitted:
        assert result["checkpoints"] == ["from_rank0.weights.h5"]


def test_a_batch_smaller_than_the_world_names_rank_and_shape(fitted):
    for rank, result in enumerate(fitted):
        message = result["messages"]["small_batch"]
        assert f"rank {rank}: a batch of 1 sample(s) (x shape (1, 784))" in message
        assert "cannot be split over 2 ranks" in message


def test_fit_without_a_distribution_is_unchanged():
    from shenjing import keras
    assert keras.distribution.active() is None
    with pytest.raises(TypeError, match="expected a DataParallel or None, got str"):
        keras.distribution.set_distribution("mirrored")
