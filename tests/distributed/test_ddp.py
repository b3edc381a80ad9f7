"""DistributedDataParallel under ``mpirun -n 2`` on real MNIST: two ranks on half batches
end with the weights of one process trained on the whole batches."""

import pytest


@pytest.fixture(scope="module", params=["mlp", "cnn"])
def trained(request, mpi, mnist_npz, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"ddp_{request.param}")
    done = mpi.run("ddp_train.py", folder, mnist_npz, request.param, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return mpi.results(folder)


def test_ranks_start_apart_and_end_equal_to_one_process_on_the_whole_batch(trained):
    for result in trained:
        assert result["initial_gap"] > 1e-3        # seeded by rank: the broadcast mattered
        assert result["gap_ranks"] == 0.0          # every rank holds the same weights
        # 4 SGD steps (the last one accumulated over two micro-batches under no_sync)
        assert result["gap_reference"] <= 1e-5 * max(1.0, result["scale"])


def test_float64_gradient_is_the_whole_batch_gradient(trained):
    for result in trained:
        assert result["grad_gap64"] < 1e-12


def test_buckets_start_before_backward_ends_and_move_every_gradient_once(trained):
    for result in trained:
        assert result["buckets"] >= 2
        # after the first step the buckets follow readiness order: the first one starts
        # while gradients of earlier layers are still to come (communication overlaps)
        for step in result["launches"][1:]:
            assert step[0][1] > 0
            assert step[-1][1] == 0
        assert all(sent == result["param_bytes"] for sent in result["bytes"])


def test_wrapping_models_that_differ_across_ranks_names_the_shapes(mpi, tmp_path):
    done = mpi.run("bad_input.py", tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank, result in enumerate(mpi.results(tmp_path)):
        shapes = result["messages"]["ddp_shapes"]
        assert f"DistributedDataParallel (model parameters): rank {rank}:" in shapes
        assert "rank 0: (3, 4) float32, (3,) float32" in shapes
        assert "rank 1: (4, 4) float32, (4,) float32" in shapes
        assert "rank 0: 2, rank 1: 4" in result["messages"]["ddp_count"]


def test_ddp_needs_a_process_group():
    from shenjing import nn
    with pytest.raises(RuntimeError, match="DistributedDataParallel: the default process "
                                           "group is not initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_shared_unused_and_frozen_parameters_and_an_unfinished_backward(mpi, tmp_path):
    done = mpi.run("ddp_edge.py", tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank, result in enumerate(mpi.results(tmp_path)):
        assert len(result["gaps"]) == 3 and max(result["gaps"]) < 1e-12
        grads = result["grads"]
        assert grads["shared.weight"] and grads["head_b.bias"]
        assert not grads["unused.weight"] and not grads["frozen.weight"]
        assert result["buffers"] == [1.0, 0]          # rank 0's buffers, of both dtypes
        assert (f"DistributedDataParallel: rank {rank}: the previous backward did not finish "
                f"reducing gradients (parameters still waiting: shared.weight") in result["message"]


def test_an_ordinary_training_script_with_sampler_and_loader(mpi, mnist_npz, tmp_path):
    done = mpi.run("train_script.py", tmp_path, mnist_npz, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = mpi.results(tmp_path)
    assert first["steps"] == second["steps"] == 8          # 256 samples / 2 ranks / 16
    assert not set(first["seen"]) & set(second["seen"])    # disjoint shards ...
    assert len(first["seen"]) + len(second["seen"]) == 256  # ... covering the data
    assert first["gap"] < 1e-5 and second["gap"] < 1e-5    # 16 Adam steps, shuffled epochs
