"""The benchmark runner runs every workload (tiny sizes, one step), and a float32 model stays
float32 through forward, backward and Adam.  Correctness only: never how fast."""

import json
import math

import numpy
import pytest

import shenjing
from benchmarks import cnn, lstm, mlp, runner, scaling
from benchmarks.__main__ import main
from benchmarks.common import training_step
from shenjing.autograd.function import Function

TINY = dict(tiny=True, repeats=1, steps=1, warmup=0, memory=False, out=None, gap=0)


@pytest.mark.parametrize("name", runner.workload_names())
def test_each_workload_runs_one_step_in_shenjing(name):
    report = runner.run([name], use_torch=False, **TINY)
    (record,) = report["rows"]
    assert record["name"] == name and list(record["libs"]) == ["shenjing"]
    result = record["libs"]["shenjing"]
    assert len(result["times"]) == 1 and result["median"] > 0
    assert math.isfinite(result["value"]) and math.isfinite(result["gflops"])
    assert record["flops"] > 0 and record["training"] == (name in runner.MODULES)


def test_flops_of_the_plan():
    # the plan's figures (../shared/BENCHMARKS.md), within rounding
    for name, gflop in {"mlp": 0.129, "cnn": 1.05, "textcnn": 12.5, "lstm": 1.73,
                        "resnet_az": 18.5, "resnet_az_b1": 0.048, "resnet_az_b16": 0.77}.items():
        assert runner.describe(name)[2] / 1e9 == pytest.approx(gflop, rel=0.03), name


def test_the_three_sides_compute_the_same_first_step():
    pytest.importorskip("torch")
    report = runner.run(["mlp"], tiny=True, repeats=1, steps=1, warmup=0, memory=True, out=None)
    (record,) = report["rows"]
    libs = record["libs"]
    assert set(libs) == {"shenjing", "torch", "torch*"}
    # the same weights and data: the first step's loss agrees in all three
    assert libs["shenjing"]["value"] == pytest.approx(libs["torch"]["value"], rel=1e-5)
    assert libs["torch*"]["value"] == pytest.approx(libs["torch"]["value"], rel=1e-5)
    assert set(record["rss"]) == {"shenjing", "torch*"}
    assert all(m["peak"] >= m["after_import"] > 0 for m in record["rss"].values())
    text = runner.format_row(record, report["gemm"])
    assert "vs as installed" in text and "vs same allocator" in text


def test_main_writes_the_json_report(tmp_path, capsys):
    path = tmp_path / "report.json"
    assert main(["run", "--tiny", "--only", "gemm,mlp", "--repeats", "1", "--steps", "1",
                 "--warmup", "0", "--no-torch", "--no-memory", "--json", str(path)]) == 0
    report = json.loads(path.read_text())
    assert [r["name"] for r in report["rows"]] == ["gemm", "mlp"]
    out = capsys.readouterr().out
    assert "| mlp |" in out and "GFLOP/s" in out


def test_unknown_workload_is_named():
    with pytest.raises(ValueError, match="unknown workload"):
        runner.run(["nope"], use_torch=False, **TINY)


def test_scaling_report_writes_table_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    assert scaling.scaling_report(str(tmp_path), repeats=1, use_torch=False, tiny=True) == 0
    assert "| mlp | batch |" in (tmp_path / "scaling.md").read_text()
    assert (tmp_path / "scaling.png").stat().st_size > 0


# ---------------------------------------------------------------- float32 all the way


def _function_classes():
    seen, stack = [], [Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


def _float64(arrays):
    arrays = arrays if isinstance(arrays, (tuple, list)) else (arrays,)
    return [a.dtype for a in arrays if isinstance(a, numpy.ndarray) and a.dtype == numpy.float64]


@pytest.fixture
def no_float64_ops(monkeypatch):
    """Wrap every op's forward and backward: a float64 result fails, naming the op."""
    def checked(cls, method_name, method):
        def wrapper(self, *args):
            result = method(self, *args)
            assert not _float64(result), f"{cls.__name__}.{method_name} produced float64"
            return result
        return wrapper

    for cls in _function_classes():
        for method_name in ("forward", "backward"):
            if method_name in vars(cls):
                monkeypatch.setattr(cls, method_name, checked(cls, method_name, vars(cls)[method_name]))


@pytest.mark.parametrize("module, sizes", [(mlp, {"batch": 8}), (cnn, {"batch": 4}),
                                           (lstm, {"batch": 3, "length": 6})])
def test_float32_model_never_makes_float64(module, sizes, no_float64_ops):
    sizes = dict(sizes)
    model, loss_fn, x, y = module.build(shenjing, sizes.pop("batch"), **sizes)
    optimizer = shenjing.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(2):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        assert loss.dtype == shenjing.float32
        loss.backward()
        optimizer.step()
    for name, p in model.named_parameters():
        assert p.dtype == shenjing.float32 and p.grad.dtype == shenjing.float32, name
    for state in optimizer.state.values():
        for key, value in state.items():
            array = getattr(value, "array", value)
            if isinstance(array, numpy.ndarray):
                assert array.dtype == numpy.float32, key
    for arrays in optimizer._work.values():
        assert not _float64(list(arrays))


def test_the_float64_check_catches_an_op(no_float64_ops):
    x = shenjing.tensor(numpy.ones(3, numpy.float64), requires_grad=True)
    with pytest.raises(AssertionError, match="float64"):
        (x * 2).sum().backward()


def test_benchmark_step_helper_is_the_runners():
    step = training_step(shenjing, *mlp.build(shenjing, 4))
    assert math.isfinite(float(step().item()))
