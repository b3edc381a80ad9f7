"""shenjing.text.beam_search: on a tiny random model whose next-token distribution depends on
the whole prefix, a beam as wide as the number of prefixes finds the exhaustive search's best
sequences (with and without an end token), one beam is greedy decoding, the scores are the
sums of the chosen tokens' log-probabilities, and bad arguments are named."""

import itertools

import numpy
import pytest

from shenjing.text.beam_search import beam_search


class TinyModel:
    """log p(next | prefix) drawn at random, once per (row, prefix): V tokens, N rows."""

    def __init__(self, vocabulary, seed):
        self.vocabulary, self.rng, self.table = vocabulary, numpy.random.default_rng(seed), {}

    def log_probs(self, row, prefix):
        key = (row, tuple(int(t) for t in prefix))
        if key not in self.table:
            logits = self.rng.standard_normal(self.vocabulary) * 2
            self.table[key] = logits - numpy.log(numpy.exp(logits).sum())
        return self.table[key]

    def step(self, tokens):
        """(N, K, t) -> (N, K, V), as beam_search calls it."""
        n, k, _ = tokens.shape
        return numpy.array([[self.log_probs(i, tokens[i, j]) for j in range(k)]
                            for i in range(n)])

    def score(self, row, sequence, start_length):
        return sum(self.log_probs(row, sequence[:t])[sequence[t]]
                   for t in range(start_length, len(sequence)))


def exhaustive(model, row, start, length, end=None):
    """Every complete sequence after ``start`` (stopping at ``end`` or after ``length``
    tokens, padded with ``end``), with its score, best first (ties: smaller sequence)."""
    found = {}
    for tail in itertools.product(range(model.vocabulary), repeat=length):
        if end is not None and end in tail:
            cut = tail.index(end) + 1
            tail = tail[:cut] + (end,) * (length - cut)
            scored = tail[:cut]
        else:
            scored = tail
        found[tail] = model.score(row, list(start) + list(scored), len(start))
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.parametrize("end", [None, 2])
def test_wide_beam_is_exhaustive_search(end):
    vocabulary, length, n = 3, 4, 3
    model = TinyModel(vocabulary, seed=0)
    start = numpy.array([[1], [0], [2]])
    width = vocabulary ** length
    sequences, scores = beam_search(model.step, start, beam_width=width, max_length=length,
                                    end=end)
    assert sequences.shape[:2] == (n, width) and scores.shape == (n, width)
    for row in range(n):
        ranked = exhaustive(model, row, start[row], length, end)
        best_tail, best_score = ranked[0]
        got = sequences[row, 0]
        assert list(got[:1]) == list(start[row])
        assert tuple(got[1:]) + (end,) * (length + 1 - len(got)) == best_tail
        assert scores[row, 0] == pytest.approx(best_score)
        finite = numpy.isfinite(scores[row])
        # the distinct complete sequences, all found, in the exhaustive order of scores
        assert finite.sum() == len(ranked)      # the rest of the beams had no sequence left
        numpy.testing.assert_allclose(scores[row, :len(ranked)], [s for _, s in ranked])


def test_one_beam_is_greedy_decoding_and_scores_are_sums():
    model = TinyModel(5, seed=1)
    start = numpy.array([[0, 3], [4, 4]])
    sequences, scores = beam_search(model.step, start, beam_width=1, max_length=6)
    assert sequences.shape == (2, 1, 8)
    for row in range(2):
        greedy = list(start[row])
        for _ in range(6):
            greedy.append(int(numpy.argmax(model.log_probs(row, greedy))))
        assert list(sequences[row, 0]) == greedy
        assert scores[row, 0] == pytest.approx(model.score(row, greedy, 2))


def test_beams_are_sorted_distinct_and_scored():
    model = TinyModel(6, seed=2)
    start = numpy.zeros((4, 1), int)
    sequences, scores = beam_search(model.step, start, beam_width=4, max_length=5)
    assert (numpy.diff(scores, axis=1) <= 0).all()
    for row in range(4):
        for j in range(4):
            assert scores[row, j] == pytest.approx(model.score(row, sequences[row, j], 1))
        assert len({tuple(s) for s in sequences[row]}) == 4          # distinct hypotheses


def test_search_stops_when_every_hypothesis_has_ended():
    end = 0
    always_end = lambda tokens: numpy.log(numpy.broadcast_to(           # noqa: E731
        [0.9, 0.05, 0.05], tokens.shape[:2] + (3,)))
    sequences, scores = beam_search(always_end, numpy.ones((2, 1), int), beam_width=2,
                                    max_length=50, end=end)
    assert sequences.shape[2] < 10                          # stopped long before 50 steps
    numpy.testing.assert_allclose(scores[:, 0], numpy.log(0.9))
    assert (sequences[:, 0, 1:] == end).all()


def test_errors_name_the_argument():
    step = lambda tokens: numpy.zeros(tokens.shape[:2] + (3,))     # noqa: E731
    with pytest.raises(ValueError, match=r"start must be \(N, t0\) int"):
        beam_search(step, numpy.zeros(3, int))
    with pytest.raises(ValueError, match="beam_width must be a positive int"):
        beam_search(step, numpy.zeros((2, 1), int), beam_width=0)
    with pytest.raises(ValueError, match=r"step must return \(N, K, V\) = \(2, 3, V\)"):
        beam_search(lambda tokens: numpy.zeros((2, 3)), numpy.zeros((2, 1), int))
    with pytest.raises(ValueError, match="end token 7"):
        beam_search(step, numpy.zeros((2, 1), int), end=7)
