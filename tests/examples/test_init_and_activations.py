"""init_and_activations (PyTorch face): zero init never breaks symmetry, small normal init
makes sigmoid gradients vanish, He+ReLU and Xavier+tanh keep scales and learn."""

import pytest

from tests.examples.conftest import check_outputs, run_example


def _check(metrics, out, epochs, bar):
    m = metrics["metrics"]
    for act in ("sigmoid", "tanh", "ReLU"):
        assert m[f"accuracy zeros + {act}"] < 0.2          # stuck near chance (0.10)
    assert m["accuracy He + ReLU"] > bar and m["accuracy Xavier + tanh"] > bar
    # vanishing: layer 1's weight gradient is orders of magnitude below layer 19's
    assert m["gradient ratio layer 1 / layer 19 normal 0.01 + sigmoid"] < 1e-3
    # preserved: the right init for the activation keeps them within a factor of 10
    for pair in ("He + ReLU", "Xavier + tanh"):
        assert 0.1 < m[f"gradient ratio layer 1 / layer 19 {pair}"] < 10
    scales = m["layer_scales"]
    shrink = scales["activation std, normal 0.01 init"]["tanh"]
    assert len(shrink) == 19 and shrink[-1] < 1e-6 * shrink[0]
    he_relu = scales["activation std, He init"]["ReLU"]
    assert 0.1 < he_relu[-1] / he_relu[0] < 10
    assert all(v == 0 for v in scales["weight-gradient std, zeros init"]["tanh"])
    phases = {h["phase"] for h in metrics["history"]}
    assert len(phases) == 12 and len(metrics["history"]) == 12 * epochs
    check_outputs(metrics, out, None, plots=("layer_scales.png", "loss_curves.png"))
    assert (out / "model_He_ReLU.safetensors").is_file()


def test_init_and_activations_short_run(tmp_path):
    metrics = run_example("init_and_activations", tmp_path, "--epochs", 2, "--limit", 3000)
    _check(metrics, tmp_path, 2, bar=0.4)


@pytest.mark.accuracy
def test_init_and_activations_at_defaults(tmp_path):
    _check(run_example("init_and_activations", tmp_path), tmp_path, 3, bar=0.9)
