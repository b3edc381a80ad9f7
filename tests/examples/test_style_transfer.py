"""style_transfer (PyTorch face): the tutorial's model is built as the tutorial builds it; a
short run lowers the style loss of the image, keeps its content, and writes the pictures
and the network; ``-m accuracy``: at the defaults the style loss falls by the registry's
factor while the content loss stays below the style image's."""

import numpy as np
import pytest

import shenjing
from tests.examples.conftest import check_outputs, run_at_defaults, run_example

PICTURES = ("content.png", "style.png", "result.png", "style_transfer.png", "losses.png",
            "history.png")


def check_transfer(m):
    """The checkable result: the style loss falls from its start (the content image's style
    loss) and the content loss stays below the one the style image itself has."""
    assert m["style_loss_start"] == m["style_loss_content_image"]   # it starts as the content
    assert m["style_loss_result"] < m["style_loss_content_image"]
    assert m["style_reduction"] == pytest.approx(
        m["style_loss_start"] / m["style_loss_result"], rel=1e-9)
    assert 0 < m["content_loss_result"] < m["content_loss_style_image"]


def test_style_model_is_built_as_the_tutorial_builds_it():
    from examples.style_transfer import (ContentLoss, SmallVGG, StyleLoss,
                                         get_style_model_and_losses, measure)
    shenjing.manual_seed(0)
    rng = np.random.default_rng(0)
    content, style = (shenjing.from_numpy(rng.random((1, 1, 28, 28), dtype=np.float32))
                      for _ in range(2))
    model, style_losses, content_losses = get_style_model_and_losses(
        SmallVGG(), 0.3, 0.35, style, content)
    names = [name for name, _ in model.named_children()]
    assert names == ["0", "conv_1", "style_loss_1", "relu_1", "conv_2", "style_loss_2",
                     "relu_2", "pool_2", "conv_3", "content_loss_3", "style_loss_3",
                     "relu_3", "conv_4", "style_loss_4"]     # cut after the last loss
    assert len(style_losses) == 4 and all(isinstance(s, StyleLoss) for s in style_losses)
    assert len(content_losses) == 1 and isinstance(content_losses[0], ContentLoss)

    # the style image has no style loss and the content image no content loss; each has
    # a positive loss of the other kind
    style_of_style, content_of_style = measure(model, style_losses, content_losses, style)
    style_of_content, content_of_content = measure(model, style_losses, content_losses,
                                                   content)
    assert style_of_style == 0 and content_of_content == 0
    assert style_of_content > 0 and content_of_style > 0


def test_style_image_is_the_most_textured():
    from examples.style_transfer import style_image_index
    x = np.zeros((3, 1, 8, 8), np.float32)
    x[1, 0, ::2] = 1.0                                  # stripes
    x[2, 0, 2:6, 2:6] = 1.0                             # a square: fewer edges
    assert style_image_index(x) == 1


def test_style_transfer_short_run(tmp_path):
    metrics = run_example("style_transfer", tmp_path, "--epochs", 1, "--limit", 500)
    assert [h["epoch"] for h in metrics["history"]] == [1]
    m = metrics["metrics"]
    check_transfer(m)
    assert m["style_reduction"] > 3
    from examples.style_transfer import QUICK_STEPS
    assert m["evaluations"] > QUICK_STEPS            # --limit: a quick run's evaluations
    check_outputs(metrics, tmp_path, "model.safetensors", PICTURES)

    # the saved network is the one trained: it loads into the architecture
    from examples.style_transfer import SmallVGG
    SmallVGG().load_state_dict(shenjing.load(str(tmp_path / "model.safetensors")))


@pytest.mark.accuracy
def test_style_transfer_at_defaults(tmp_path):
    metrics = run_at_defaults("style_transfer", tmp_path)
    check_transfer(metrics["metrics"])
    print({k: v for k, v in metrics["metrics"].items()})
