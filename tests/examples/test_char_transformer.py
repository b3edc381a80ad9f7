"""char_transformer (PyTorch face): the GPT is causal, matches the same model written with
PyTorch's modules, and samples greedily at top_k=1; a short run on 200 blocks learns and
leaves a model that reproduces its validation loss; ``-m accuracy``: the full run reaches
its validation loss (nats/char)."""

import math

import numpy as np
import pytest

import shenjing
from examples.char_transformer import GPT, evaluate
from tests.examples.conftest import check_outputs, run_example

#: the full run's bar (registry reference): validation nats/char at the default settings
TARGET = 1.80
SMALL = dict(vocab_size=11, block_size=12, n_embd=16, n_head=2, n_layer=2)


def _small_gpt(seed=0):
    shenjing.manual_seed(seed)
    return GPT(**SMALL)


def test_gpt_is_causal_and_checks_its_length():
    model = _small_gpt()
    ids = np.random.default_rng(0).integers(0, 11, (2, 10))
    changed = ids.copy()
    changed[:, 6:] = (changed[:, 6:] + 1) % 11
    with shenjing.no_grad():
        a, _ = model(shenjing.from_numpy(ids))
        b, _ = model(shenjing.from_numpy(changed))
    assert a.shape == (2, 10, 11)
    # the past ignores the future
    np.testing.assert_array_equal(a.numpy()[:, :6], b.numpy()[:, :6])
    assert np.abs(a.numpy()[:, 6:] - b.numpy()[:, 6:]).max() > 1e-4
    with pytest.raises(ValueError, match="longer than the block size 12"):
        model(shenjing.from_numpy(np.zeros((1, 13), dtype=np.int64)))


def test_gpt_matches_the_same_model_in_pytorch():
    torch = pytest.importorskip("torch")
    ours = _small_gpt()
    theirs = _torch_twin(torch)
    state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    assert set(state) == set(ours.state_dict())                          # the same names
    ours.load_state_dict({k: shenjing.from_numpy(v) for k, v in state.items()})
    rng = np.random.default_rng(1)
    ids, targets = rng.integers(0, 11, (3, 12)), rng.integers(0, 11, (3, 12))
    logits, loss = ours(shenjing.from_numpy(ids), shenjing.from_numpy(targets))
    loss.backward()
    t_logits, t_loss = theirs(torch.from_numpy(ids), torch.from_numpy(targets))
    t_loss.backward()
    np.testing.assert_allclose(logits.detach().numpy(), t_logits.detach().numpy(), atol=2e-5)
    assert loss.item() == pytest.approx(t_loss.item(), abs=1e-5)
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), atol=2e-5,
                                   err_msg=name)


def _torch_twin(torch):
    """The example's GPT written with PyTorch itself (nanoGPT's shape, PyTorch's layers)."""
    nn, F = torch.nn, torch.nn.functional
    v, block, width, heads, layers = (SMALL[k] for k in ("vocab_size", "block_size", "n_embd",
                                                         "n_head", "n_layer"))

    class TorchGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding = nn.Embedding(v, width)
            self.position_embedding = nn.Embedding(block, width)
            self.blocks = nn.ModuleList([
                nn.TransformerEncoderLayer(width, heads, 4 * width, 0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
                for _ in range(layers)])
            self.ln_f = nn.LayerNorm(width)
            self.head = nn.Linear(width, v)

        def forward(self, idx, targets):
            t = idx.shape[1]
            x = self.token_embedding(idx) + self.position_embedding(torch.arange(t))
            mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
            for layer in self.blocks:
                x = layer(x, src_mask=mask, is_causal=True)
            logits = self.head(self.ln_f(x))
            return logits, F.cross_entropy(logits.reshape(-1, v), targets.reshape(-1))

    torch.manual_seed(0)
    return TorchGPT()


def test_generate_at_top_k_one_is_greedy():
    model = _small_gpt()
    prompt = np.array([[3, 1], [4, 1]])
    out = model.generate(prompt, 15, temperature=1.3, top_k=1)
    assert out.shape == (2, 17) and model.training
    ids = prompt
    with shenjing.no_grad():
        for _ in range(15):
            logits, _ = model(shenjing.from_numpy(ids[:, -12:]))
            ids = np.concatenate([ids, logits.numpy()[:, -1].argmax(1)[:, None]], axis=1)
    np.testing.assert_array_equal(out, ids)


def test_char_transformer_short_run(tmp_path):
    metrics = run_example("char_transformer", tmp_path, "--epochs", 1, "--limit", 200)
    result = metrics["metrics"]
    assert result["val_loss"] < math.log(65) - 0.4          # below a uniform guess
    assert 3.2 < result["unigram_val_loss"] < 3.5
    check_outputs(metrics, tmp_path, "model.safetensors")
    sample = (tmp_path / "samples.txt").read_text(encoding="utf-8")
    assert len(sample) == 1 + 100 and sample[0] == "\n"

    # the saved weights give the reported validation loss on the same 200 blocks
    from examples.char_transformer import BLOCK, load
    from shenjing.text import next_char_blocks
    from tests.conftest import shared_data_dir

    class Data:
        data = str(shared_data_dir())
    _, val, chars = load(Data)
    assert len(chars) == 65 and set(sample) <= set(chars)
    model = GPT(len(chars))
    model.load_state_dict(shenjing.load(str(tmp_path / "model.safetensors")))
    x, y = next_char_blocks(val, BLOCK)
    assert evaluate(model, x[:200], y[:200]) == pytest.approx(result["val_loss"], abs=1e-6)


@pytest.mark.accuracy
def test_char_transformer_reaches_its_validation_loss(tmp_path):
    metrics = run_example("char_transformer", tmp_path)
    result = metrics["metrics"]
    print(f"char_transformer: validation {result['val_loss']:.4f} nats/char "
          f"(bar {TARGET}; unigram {result['unigram_val_loss']:.4f})")
    assert result["val_loss"] <= TARGET, metrics
