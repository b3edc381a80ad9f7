"""EmbeddingBag against PyTorch: every mode, offsets and 2-d bags, per-sample weights,
padding_idx, empty bags; float64 gradcheck of the table; errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck
from shenjing.nn import functional as F

torch = pytest.importorskip("torch")

IDS = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 7])
OFFSETS = np.array([0, 2, 2, 5, 9])          # bag 1 is empty


def pair(mode, **options):
    theirs = torch.nn.EmbeddingBag(10, 3, mode=mode, **options).double()
    ours = nn.EmbeddingBag(10, 3, mode=mode, **options).to(sj.float64)
    ours.weight.array[...] = theirs.weight.detach().numpy()
    return ours, theirs


def compare(ours, theirs, args, targs, psw=None):
    ps = None if psw is None else sj.tensor(psw, requires_grad=True)
    pt = None if psw is None else torch.tensor(psw, requires_grad=True)
    a, b = ours(*args, per_sample_weights=ps), theirs(*targs, per_sample_weights=pt)
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = np.random.default_rng(0).standard_normal(a.shape)
    (a * sj.tensor(w)).sum().backward()
    (b * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12,
                               atol=1e-14)
    if psw is not None:
        np.testing.assert_allclose(ps.grad.numpy(), pt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_offsets_bags_match_torch(mode, padding_idx):
    ours, theirs = pair(mode, padding_idx=padding_idx)
    compare(ours, theirs, (sj.tensor(IDS), sj.tensor(OFFSETS)),
            (torch.tensor(IDS), torch.tensor(OFFSETS)))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_two_dim_bags_match_torch(mode):
    ours, theirs = pair(mode)
    ids = IDS[:9].reshape(3, 3)
    compare(ours, theirs, (sj.tensor(ids),), (torch.tensor(ids),))


def test_per_sample_weights_and_include_last_offset_match_torch():
    psw = np.random.default_rng(1).standard_normal(IDS.shape)
    ours, theirs = pair("sum")
    compare(ours, theirs, (sj.tensor(IDS), sj.tensor(OFFSETS)),
            (torch.tensor(IDS), torch.tensor(OFFSETS)), psw)
    ours, theirs = pair("mean", include_last_offset=True)
    compare(ours, theirs, (sj.tensor(IDS), sj.tensor(OFFSETS)),
            (torch.tensor(IDS), torch.tensor(OFFSETS)))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradcheck(mode):
    weight = sj.tensor(np.random.default_rng(2).standard_normal((10, 3)), requires_grad=True)
    psw = sj.tensor(np.random.default_rng(3).standard_normal(IDS.shape), requires_grad=True)
    extra = (psw,) if mode == "sum" else ()
    assert gradcheck(lambda w, *p: F.embedding_bag(sj.tensor(IDS), w, sj.tensor(OFFSETS),
                                                   mode=mode,
                                                   per_sample_weights=p[0] if p else None),
                     (weight,) + extra)


def test_embedding_bag_errors():
    bag = nn.EmbeddingBag(10, 3, mode="max")
    with pytest.raises(ValueError, match=r"embedding_bag: per_sample_weights is only supported "
                                         r"for mode='sum'"):
        bag(sj.tensor(IDS), sj.tensor(OFFSETS), per_sample_weights=sj.ones(10))
    with pytest.raises(ValueError, match=r"embedding_bag: a 1-d input needs offsets"):
        bag(sj.tensor(IDS))
    with pytest.raises(ValueError, match=r"offsets must be a non-empty 1-d tensor starting at 0"):
        bag(sj.tensor(IDS), sj.tensor([1, 3]))
    with pytest.raises(TypeError, match=r"embedding_bag: input must hold integer ids"):
        bag(sj.zeros(2, 3))
    with pytest.raises(ValueError, match=r"EmbeddingBag: mode must be 'sum', 'mean' or 'max', "
                                         r"got 'avg'"):
        nn.EmbeddingBag(10, 3, mode="avg")


def test_embedding_bag_classifies_real_news():
    """PyTorch's text-classification recipe on real AG News headlines: the mean of each
    text's word vectors (one EmbeddingBag) and a linear layer, trained a few epochs."""
    import csv
    import gzip
    import io
    import re

    from tests.conftest import shared_data_dir
    path = shared_data_dir() / "ag_news" / "ag_news_test.csv.gz"
    if not path.is_file():
        pytest.skip(f"AG News not found at {path}")
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))
    order = np.random.default_rng(0).permutation(len(rows))
    texts = [re.findall(r"[a-z']+", (rows[i]["title"] + " " + rows[i]["description"]).lower())
             for i in order]
    labels = np.array([int(rows[i]["label"]) - 1 for i in order])
    train, test = slice(0, 6000), slice(6000, None)
    vocab = {}
    for words in texts[train]:
        for w in words:
            vocab.setdefault(w, len(vocab) + 1)          # 0: a word not seen in training
    ids = [np.array([vocab.get(w, 0) for w in words] or [0]) for words in texts]

    def batch(idx):
        chunk = [ids[i] for i in idx]
        offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunk])[:-1]])
        return sj.tensor(np.concatenate(chunk)), sj.tensor(offsets)

    sj.manual_seed(0)
    bag, head = nn.EmbeddingBag(len(vocab) + 1, 32, mode="mean"), nn.Linear(32, 4)
    optimizer = sj.optim.Adam(list(bag.parameters()) + list(head.parameters()), lr=0.02)
    for epoch in range(4):
        for start in range(0, 6000, 64):
            idx = np.arange(start, min(start + 64, 6000))
            loss = F.cross_entropy(head(bag(*batch(idx))), sj.tensor(labels[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with sj.no_grad():
        test_idx = np.arange(len(rows))[test]
        predicted = head(bag(*batch(test_idx))).numpy().argmax(1)
    accuracy = (predicted == labels[test]).mean()
    assert accuracy > 0.8, accuracy          # 0.86 here; chance is 0.25
