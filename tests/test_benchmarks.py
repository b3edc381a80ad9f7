"""The benchmark programs run and compute the right thing (never how fast: no timing asserts)."""

import math

import numpy
import pytest

from benchmarks import overhead


def test_overhead_runs_shenjing_alone():
    report = overhead.run(n_ops=9, repeats=2, warmup=1, use_torch=False)
    assert list(report["results"]) == ["shenjing"]
    for part in ("forward", "backward", "total"):
        times = report["results"]["shenjing"][part]
        assert len(times) == 2 and all(t > 0 and math.isfinite(t) for t in times)
    table = overhead.format_table(report)
    assert "shenjing" in table and "ratio" not in table


def test_overhead_matches_pytorch():
    torch = pytest.importorskip("torch")
    report = overhead.run(n_ops=13, repeats=2, warmup=1)
    assert set(report["results"]) == {"shenjing", "pytorch"}
    assert report["config"]["torch"] == torch.__version__
    assert report["loss"]["shenjing"] == pytest.approx(report["loss"]["pytorch"], rel=1e-5)
    for ours, theirs in zip(report["grads"]["shenjing"], report["grads"]["pytorch"]):
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    assert "ratio" in overhead.format_table(report)


def test_overhead_main_prints_the_table(capsys):
    assert overhead.main(["--ops", "4", "--repeats", "1", "--warmup", "0", "--no-torch"]) == 0
    out = capsys.readouterr().out
    assert "forward+backward" in out and "shenjing" in out
