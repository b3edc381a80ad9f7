"""Running the course examples through ``shenjing run`` in the tests.

``run_example(name, tmp_path, *options)`` runs ``shenjing run NAME --data <shared data>
--out <tmp> --no-progress [options]`` in-process and returns ``metrics.json`` as a dict;
it skips when the data sets or the ``examples`` extra (matplotlib, tqdm) are missing.
"""

import json

import pytest

from tests.conftest import shared_data_dir


def run_example(name, out, *options):
    """``shenjing run name`` with ``options`` on the shared data; the parsed metrics.json."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    from shenjing import cli
    from shenjing.commands import registry
    data = shared_data_dir()
    for dataset in registry.get(name).datasets:
        if not (data / dataset).is_dir():
            pytest.skip(f"{data / dataset} not found: set SHENJING_DATA to its parent folder")
    status = cli.main(["run", name, "--data", str(data), "--out", str(out), "--no-progress",
                       *map(str, options)])
    assert status == 0, f"shenjing run {name} exited with {status}"
    return json.loads((out / "metrics.json").read_text())


def check_outputs(metrics, out, model_file, plots=("history.png",)):
    """metrics.json names the files the run wrote, and each is there: PNGs and the model."""
    for plot in plots:
        data = (out / plot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", plot
        assert str(out / plot) in metrics["files"]
    if model_file is not None:
        assert metrics["model"] == str(out / model_file)
        assert (out / model_file).stat().st_size > 0


def run_at_defaults(name, tmp_path):
    """The accuracy check: the example at its default settings on all the data, with the
    threshold of ``shenjing examples``."""
    from shenjing.commands import registry
    example = registry.get(name)
    metrics = run_example(name, tmp_path)
    value = metrics["metrics"][example.metric]
    print(f"{name}: {example.metric} = {value:.4f} (threshold {example.threshold})")
    assert value >= example.threshold, metrics
    return metrics
