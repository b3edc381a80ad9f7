"""Temperature / top-k sampling: the distribution against PyTorch's (nanoGPT's recipe), the
draws against the distribution, the generation loop, and the errors."""

import numpy as np
import pytest

import shenjing
from shenjing.text import generate, sample_logits, token_probabilities

LOGITS = np.array([[2.0, -1.0, 0.5, 3.0, 0.5, -np.inf],
                   [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                   [-30.0, 10.0, 9.0, 8.0, -2.0, 1.0]])


def _torch_probabilities(torch, logits, temperature, top_k):
    """nanoGPT's ``generate``: logits / T, -inf below the k-th largest, softmax."""
    z = torch.tensor(logits, dtype=torch.float64) / temperature
    if top_k is not None:
        v, _ = torch.topk(z, min(top_k, z.size(-1)))
        z[z < v[:, [-1]]] = -float("inf")
    return torch.softmax(z, dim=-1).numpy()


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("top_k", [None, 1, 2, 3, 10])
def test_probabilities_match_torch(temperature, top_k):
    torch = pytest.importorskip("torch")
    ours = token_probabilities(LOGITS, temperature, top_k)
    np.testing.assert_allclose(ours, _torch_probabilities(torch, LOGITS, temperature, top_k),
                               rtol=1e-12, atol=1e-15)
    assert ours[0, -1] == 0                               # -inf is never drawn
    if top_k is not None:                                 # row 1 is all ties: all kept
        assert ((ours[[0, 2]] > 0).sum(axis=1) <= top_k + 1).all()


def test_temperature_zero_is_argmax_and_one_row_works():
    assert sample_logits(LOGITS, temperature=0).tolist() == [3, 0, 1]
    assert sample_logits(LOGITS[2], temperature=0).ndim == 0
    np.testing.assert_array_equal(token_probabilities(LOGITS[0], 0), [0, 0, 0, 1, 0, 0])
    # top_k=1 leaves one token: sampling is deterministic whatever the temperature
    assert sample_logits(LOGITS[[0, 2]], temperature=5.0, top_k=1).tolist() == [3, 1]


def test_draws_follow_the_distribution():
    rng = np.random.default_rng(0)
    logits = np.repeat(LOGITS[:1], 20000, axis=0)
    for temperature, top_k in [(1.0, None), (0.7, 3), (2.0, None)]:
        draws = sample_logits(logits, temperature, top_k, generator=rng)
        assert draws.dtype == np.int64 and draws.shape == (20000,)
        frequencies = np.bincount(draws, minlength=6) / len(draws)
        p = token_probabilities(LOGITS[0], temperature, top_k)
        # 5 standard errors of a binomial proportion
        assert np.all(np.abs(frequencies - p) <= 5 * np.sqrt(p * (1 - p) / len(draws)) + 1e-12)
        assert frequencies[p == 0].sum() == 0


def test_draws_use_the_process_generator_when_none_is_given():
    shenjing.manual_seed(3)
    a = sample_logits(np.zeros((50, 7)))
    shenjing.manual_seed(3)
    np.testing.assert_array_equal(a, sample_logits(np.zeros((50, 7))))
    assert len(set(a.tolist())) > 1


def test_generate_feeds_back_the_last_window():
    seen = []

    def next_logits(ids):
        seen.append(ids.copy())
        # the next token is the last one + 1 (mod 5), surely
        return np.where(np.arange(5) == (ids[:, -1:] + 1) % 5, 0.0, -np.inf)

    out = generate(next_logits, np.array([[0], [3]]), 6, temperature=0.9, window=3)
    assert out.dtype == np.int64 and out.shape == (2, 7)
    np.testing.assert_array_equal(out, [[0, 1, 2, 3, 4, 0, 1], [3, 4, 0, 1, 2, 3, 4]])
    assert [s.shape[1] for s in seen] == [1, 2, 3, 3, 3, 3]
    np.testing.assert_array_equal(seen[-1], out[:, -4:-1])
    single = generate(next_logits, [2, 3], 2)
    assert single.tolist() == [2, 3, 4, 0]
    assert generate(next_logits, [1], 0).tolist() == [1]


def test_generate_is_reproducible_with_a_seeded_generator():
    def uniform(ids):
        return np.zeros((len(ids), 30))

    a = generate(uniform, [0], 40, generator=np.random.default_rng(5))
    b = generate(uniform, [0], 40, generator=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call, message", [
    (lambda: sample_logits(LOGITS, temperature=-1), "temperature must be a finite number"),
    (lambda: sample_logits(LOGITS, temperature=float("nan")), "temperature"),
    (lambda: sample_logits(LOGITS, top_k=0), "top_k must be a positive integer"),
    (lambda: sample_logits(LOGITS, top_k=2.5), "top_k"),
    (lambda: sample_logits(np.zeros((2, 3, 4))), r"logits must be \(V,\) or \(N, V\)"),
    (lambda: sample_logits([[0.0, np.nan]]), "NaN"),
    (lambda: sample_logits([[-np.inf, -np.inf]]), "all -inf"),
    (lambda: generate(np.zeros(3), [0], 2), "next_logits must be a function"),
    (lambda: generate(lambda ids: np.zeros((1, 3)), [0.5], 2), "integer token ids"),
    (lambda: generate(lambda ids: np.zeros((1, 3)), [0], -1), "length must be"),
    (lambda: generate(lambda ids: np.zeros((1, 3)), [0], 1, window=0), "window must be"),
    (lambda: generate(lambda ids: np.zeros((3,)), [[0], [1]], 1), r"must return \(N, V\)"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError if "function" not in message else TypeError, match=message):
        call()
