"""The ``lstm`` benchmark runs and computes what PyTorch computes (never how fast)."""

import numpy
import pytest

import shenjing
from benchmarks import lstm


def test_lstm_workload_matches_pytorch():
    torch = pytest.importorskip("torch")
    results = {}
    for lib in (shenjing, torch):
        model, loss_fn, ids, y = lstm.build(lib, batch=4, length=12)
        model.eval()                               # dropout off: the same function in both
        logits = model(ids)
        loss = loss_fn(logits, y)
        loss.backward()
        grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
        results[lib.__name__] = (logits.detach().numpy(), float(loss.item()), grads)
    ours, theirs = results["shenjing"], results["torch"]
    numpy.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-5)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-5)
    assert list(ours[2]) == list(theirs[2])
    for name in ours[2]:
        numpy.testing.assert_allclose(ours[2][name], theirs[2][name], rtol=1e-3, atol=1e-5,
                                      err_msg=name)


def test_lstm_main_runs_shenjing_alone(capsys):
    assert lstm.main(["--batch", "2", "--length", "8", "--steps", "1", "--repeats", "1",
                      "--no-torch"]) == 0
    out = capsys.readouterr().out
    assert "shenjing" in out and "ratio" not in out
