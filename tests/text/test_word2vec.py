"""word2vec (``shenjing.text.word2vec`` and its pieces): the Huffman codes, subsampling
and noise table against gensim's, the objectives' gradients against PyTorch and against
one SGD step, the analogy evaluation against gensim's on the same vectors, a tiny corpus
that learns a planted structure, files and errors."""

import numpy as np
import pytest

import shenjing
from shenjing.autograd.gradcheck import gradcheck
from shenjing.text.huffman import huffman_codes
from shenjing.text.word2vec import Word2Vec, evaluate_analogies, neighbour_overlap
from shenjing.text.word2vec_loss import hierarchical_softmax_loss, negative_sampling_loss
from shenjing.text.word2vec_sgd import pair_update
from shenjing.text.word2vec_vocab import Vocabulary


def _zipf_corpus(seed=0, sentences=60, vocabulary=40):
    rng = np.random.default_rng(seed)
    return [[f"w{int(x)}" for x in rng.zipf(1.3, size=rng.integers(3, 25)) if x <= vocabulary]
            for _ in range(sentences)]


def _gensim_model(corpus, **options):
    gensim = pytest.importorskip("gensim.models")
    return gensim.Word2Vec(corpus, vector_size=4, min_count=1, epochs=1, workers=1, seed=1,
                           **options)


# ---------------------------------------------------------------- vocabulary

def test_vocabulary_counts_sorted_with_ties_in_first_seen_order():
    vocab = Vocabulary.build([["b", "a", "c", "a"], ["c", "d", "a"]], min_count=1)
    assert vocab.words == ["a", "c", "b", "d"]
    assert vocab.counts.tolist() == [3, 2, 1, 1]
    ids, offsets = vocab.encode([["a", "zzz", "d"], [], ["c"]])
    assert ids.tolist() == [0, 3, 1] and offsets.tolist() == [0, 2, 2, 3]
    assert Vocabulary.build([["a", "a", "b"]], min_count=2).words == ["a"]


def test_subsampling_probabilities_follow_the_formula_and_gensims_thresholds():
    corpus = _zipf_corpus()
    vocab = Vocabulary.build(corpus, min_count=1)
    t = 1e-2
    f = vocab.counts / vocab.counts.sum()
    p = vocab.keep_probabilities(t)
    np.testing.assert_allclose(p, np.minimum(1, (np.sqrt(f / t) + 1) * t / f))
    assert p[0] < 0.5 and p[-1] == 1.0                      # frequent words are dropped most
    assert (np.diff(p) >= 0).all()                           # rarer words are kept more
    assert vocab.keep_probabilities(0).tolist() == [1.0] * len(vocab)
    model = _gensim_model(corpus, sample=t)
    gensim_ints = [model.wv.get_vecattr(w, "sample_int") for w in vocab.words]
    assert vocab.keep_thresholds(t).tolist() == gensim_ints


def test_noise_table_is_count_to_the_three_quarters_as_gensims():
    corpus = _zipf_corpus(1)
    model = _gensim_model(corpus, negative=5)
    counts = [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key]
    vocab = Vocabulary(model.wv.index_to_key, counts)
    assert vocab.noise_table().tolist() == model.cum_table.tolist()
    p = vocab.noise_probabilities()
    np.testing.assert_allclose(p, np.array(counts) ** 0.75 / (np.array(counts) ** 0.75).sum())
    np.testing.assert_allclose(np.diff(vocab.noise_table(), prepend=0) / (2 ** 31 - 1), p,
                               atol=1e-9)


# ---------------------------------------------------------------- Huffman tree

def test_huffman_codes_are_prefix_free_and_optimal():
    counts = np.array([45, 13, 12, 16, 9, 5])          # the textbook example (CLRS 16.3)
    tree = huffman_codes(counts)
    codes = ["".join(map(str, tree.code(w))) for w in range(len(counts))]
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)
    assert sorted(tree.lengths().tolist()) == [1, 3, 3, 3, 4, 4]
    assert int((counts * tree.lengths()).sum()) == 224   # CLRS's optimal cost
    assert sum(2.0 ** -tree.lengths()) == 1.0            # a full binary tree (Kraft)
    assert all(tree.point(w)[0] == len(counts) - 2 for w in range(len(counts)))  # the root


def test_huffman_codes_and_points_are_gensims():
    model = _gensim_model(_zipf_corpus(2), hs=1, negative=0)
    counts = [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key]
    tree = huffman_codes(counts)
    for w, word in enumerate(model.wv.index_to_key):
        assert tree.code(w).tolist() == model.wv.get_vecattr(word, "code").tolist(), word
        assert tree.point(w).tolist() == model.wv.get_vecattr(word, "point").tolist(), word


# ---------------------------------------------------------------- objectives

def _weights(rng, V=7, D=5, rows=None):
    return (shenjing.from_numpy(rng.standard_normal((rows or V, D)) * 0.5).requires_grad_(True))


def test_negative_sampling_loss_and_gradient_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w_in, w_out = _weights(rng), _weights(rng)
    inputs, targets = np.array([0, 3, 3, 6]), np.array([1, 2, 0, 6])
    negatives = rng.integers(0, 7, (4, 3))
    loss = negative_sampling_loss(w_in, w_out, inputs, targets, negatives)
    loss.backward()
    t_in = torch.tensor(w_in.numpy(), requires_grad=True)
    t_out = torch.tensor(w_out.numpy(), requires_grad=True)
    h = t_in[torch.tensor(inputs)]
    positive = (h * t_out[torch.tensor(targets)]).sum(-1)
    noise = (h[:, None] * t_out[torch.tensor(negatives)]).sum(-1)
    expected = -(torch.nn.functional.logsigmoid(positive).sum()
                 + torch.nn.functional.logsigmoid(-noise).sum())
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(w_in.grad.numpy(), t_in.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_out.grad.numpy(), t_out.grad.numpy(), rtol=1e-10, atol=1e-12)
    gradcheck(lambda a, b: negative_sampling_loss(a, b, inputs, targets, negatives),
              (w_in, w_out))


def test_hierarchical_softmax_loss_matches_pytorch_and_is_a_distribution():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    tree = huffman_codes([9, 7, 4, 4, 2, 1, 1])
    w_in, w_hs = _weights(rng), _weights(rng, rows=6)
    inputs, targets = np.array([0, 5, 2]), np.array([6, 1, 2])
    loss = hierarchical_softmax_loss(w_in, w_hs, inputs, targets, tree)
    loss.backward()
    t_in = torch.tensor(w_in.numpy(), requires_grad=True)
    t_hs = torch.tensor(w_hs.numpy(), requires_grad=True)
    total = 0
    for i, t in zip(inputs, targets):
        signs = torch.tensor(1.0 - 2.0 * tree.code(t), dtype=torch.float64)
        scores = t_hs[torch.tensor(tree.point(t), dtype=torch.long)] @ t_in[i]
        total = total - torch.nn.functional.logsigmoid(signs * scores).sum()
    total.backward()
    np.testing.assert_allclose(loss.item(), total.item(), rtol=1e-12)
    np.testing.assert_allclose(w_in.grad.numpy(), t_in.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_hs.grad.numpy(), t_hs.grad.numpy(), rtol=1e-10, atol=1e-12)
    # the tree's probabilities of all 7 words given one input sum to 1
    with shenjing.no_grad():
        p = [np.exp(-hierarchical_softmax_loss(w_in, w_hs, [3], [t], tree).item())
             for t in range(7)]
    np.testing.assert_allclose(sum(p), 1.0, rtol=1e-12)


def test_one_sgd_step_is_minus_alpha_times_the_gradient():
    rng = np.random.default_rng(2)
    w_in, w_out = _weights(rng), _weights(rng)
    alpha, negatives = 0.1, np.array([[4, 5, 1]])
    loss = negative_sampling_loss(w_in, w_out, [3], [2], negatives)
    loss.backward()
    h, out = w_in.numpy()[3].copy(), w_out.numpy().copy()
    work, step_loss = pair_update(h, out, [2, 4, 5, 1], [1, 0, 0, 0], alpha)
    np.testing.assert_allclose(step_loss, loss.item(), rtol=1e-12)
    np.testing.assert_allclose(work, -alpha * w_in.grad.numpy()[3], rtol=1e-12)
    np.testing.assert_allclose(out - w_out.numpy(), -alpha * w_out.grad.numpy(), rtol=1e-12,
                               atol=1e-15)


# ---------------------------------------------------------------- learning

def _planted_corpus(groups=6, seed=0):
    """Each group g has 4 context words and two interchangeable words x_g, y_g that only
    ever appear among g's context words: x_g and y_g share all their contexts."""
    rng = np.random.default_rng(seed)
    corpus = []
    for _ in range(600):
        g = rng.integers(groups)
        words = [f"c{g}_{k}" for k in rng.integers(0, 4, 6)]
        words.insert(int(rng.integers(1, 6)), f"{'xy'[rng.integers(2)]}{g}")
        corpus.append(words)
    return corpus


@pytest.mark.parametrize("sg,negative,hs", [(1, 5, 0), (0, 5, 0), (1, 0, 1)])
def test_a_tiny_corpus_learns_which_words_share_their_contexts(sg, negative, hs):
    model = Word2Vec(vector_size=16, window=3, min_count=1, sg=sg, negative=negative, hs=hs,
                     sample=0, epochs=10, alpha=0.05, seed=3).fit(_planted_corpus())
    found = [model.most_similar(f"x{g}", topn=1)[0][0] == f"y{g}" for g in range(6)]
    assert sum(found) >= 5, found
    unit = model.unit_vectors()
    same = unit[model.vocab.index["x0"]] @ unit[model.vocab.index["y0"]]
    other = unit[model.vocab.index["x0"]] @ unit[model.vocab.index["y3"]]
    assert same > other + 0.3


def test_training_lowers_the_loss_and_the_learning_rate_decays():
    history = Word2Vec(vector_size=16, window=3, min_count=1, sg=1, sample=0, epochs=4,
                       batch_words=500, seed=0).fit(_planted_corpus(seed=1)).train(
        _planted_corpus(seed=1), epochs=2)
    assert history[1]["loss"] < history[0]["loss"]
    model = Word2Vec(vector_size=8, min_count=1, epochs=3, batch_words=300, sample=0)
    stats = []
    model.fit(_planted_corpus(), on_epoch=lambda e, s: stats.append(s))
    alphas = [s["alpha"] for s in stats]
    assert 0.025 > alphas[0] > alphas[1] > alphas[2] >= 0.0001


# ---------------------------------------------------------------- queries

def _analogy_vectors(rng, words, D=12):
    """Vectors where b - a + c = d for the pairs (a, b) = (m_i, f_i): a planted relation."""
    base = rng.standard_normal((len(words), D))
    index = {w: i for i, w in enumerate(words)}
    offset = rng.standard_normal(D) * 2
    for w in words:
        if w.startswith("f"):
            base[index[w]] = base[index["m" + w[1:]]] + offset
    return base


def test_analogies_are_3cosadd_and_evaluate_as_gensims(tmp_path):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    rng = np.random.default_rng(4)
    words = [f"m{i}" for i in range(8)] + [f"f{i}" for i in range(8)] + [f"z{i}" for i in range(30)]
    vectors = _analogy_vectors(rng, words).astype(np.float32)
    model = Word2Vec(vector_size=12, min_count=1)
    model.vocab, model.vectors = Vocabulary(words, np.arange(len(words), 0, -1)), vectors
    assert model.analogy("m0", "f0", "m1")[0][0] == "f1"
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ (unit[8] - unit[0] + unit[1])
    scores[[0, 1, 8]] = -np.inf
    assert model.analogy("m0", "f0", "m1", topn=3)[0] == (words[scores.argmax()],
                                                          pytest.approx(scores.max(), rel=1e-5))
    lines = [": planted"] + [f"M{i} F{i} M{j} F{j}" for i in range(8) for j in range(8) if i != j]
    lines += [": random"] + [f"{rng.choice(words)} z{i} {rng.choice(words)} z{i + 1}"
                             for i in range(25)] + ["m0 f0 unknown f1"]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(lines) + "\n")
    accuracy, sections = model.evaluate_analogies(path, restrict_vocab=40)
    kv = keyedvectors.KeyedVectors(12)
    kv.add_vectors(words, vectors)
    score, theirs = kv.evaluate_word_analogies(str(path), restrict_vocab=40,
                                               case_insensitive=True)
    assert accuracy == pytest.approx(score)
    assert evaluate_analogies(words, vectors, path, restrict_vocab=40)[0] == accuracy
    assert [(s["correct"], s["incorrect"]) for s in sections] == [
        (len(s["correct"]), len(s["incorrect"])) for s in theirs[:-1]]
    assert sections[0]["correct"] >= 50 and sections[1]["correct"] <= 5    # planted vs random


def test_most_similar_and_neighbour_overlap():
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(20)]
    model = Word2Vec(vector_size=6, min_count=1)
    model.vocab = Vocabulary(words, np.arange(20, 0, -1))
    model.vectors = rng.standard_normal((20, 6)).astype(np.float32)
    near = model.most_similar("w3", topn=19)
    assert len(near) == 19 and "w3" not in [w for w, _ in near]
    assert [s for _, s in near] == sorted((s for _, s in near), reverse=True)
    assert model.most_similar(model["w3"], topn=1)[0] == ("w3", pytest.approx(1.0))
    assert neighbour_overlap(model, model, words[:5], topn=4) == 1.0
    other = Word2Vec(vector_size=6, min_count=1)
    other.vocab, other.vectors = model.vocab, rng.standard_normal((20, 6)).astype(np.float32)
    assert neighbour_overlap(model, other, words, topn=4) < 1.0


# ---------------------------------------------------------------- files and errors

def test_save_and_load_round_trip(tmp_path):
    corpus = _planted_corpus()
    model = Word2Vec(vector_size=8, min_count=1, sg=1, hs=1, negative=2, epochs=1).fit(corpus)
    model.save(tmp_path / "w2v.safetensors")
    again = Word2Vec.load(tmp_path / "w2v.safetensors")
    assert again.vocab.words == model.vocab.words
    assert (again.vocab.counts == model.vocab.counts).all()
    for name in ("vectors", "output", "hs_output"):
        np.testing.assert_array_equal(getattr(again, name), getattr(model, name))
    assert (again.sg, again.hs, again.negative, again.vector_size) == (1, 1, 2, 8)
    assert again.most_similar("x1", topn=3) == model.most_similar("x1", topn=3)
    again.train(corpus, epochs=1)                            # and it trains on
    shenjing.save({"weights": np.zeros(3)}, tmp_path / "other.safetensors")
    with pytest.raises(ValueError, match="not a file written by Word2Vec.save"):
        Word2Vec.load(tmp_path / "other.safetensors")


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="vector_size"):
        Word2Vec(vector_size=0)
    with pytest.raises(ValueError, match="negative > 0 or hs=1"):
        Word2Vec(negative=0, hs=0)
    with pytest.raises(ValueError, match="no word occurs min_count=5"):
        Word2Vec().fit([["a", "b"]])
    with pytest.raises(TypeError, match="lists of words"):
        Word2Vec(min_count=1).fit(["a sentence as a str"])
    model = Word2Vec(vector_size=4, min_count=1, epochs=1).fit([["a", "b", "a"]])
    with pytest.raises(KeyError, match="'zebra' is not in the vocabulary"):
        model.most_similar("zebra")
    with pytest.raises(RuntimeError, match="call build_vocab"):
        Word2Vec().train([["a"]])
