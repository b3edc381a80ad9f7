"""word2vec on the IMDB reviews: CBOW and skip-gram with negative sampling, beside gensim.

    python examples/word2vec.py [--epochs 1 --batch-size 10000 --limit N --data DIR --out DIR]
    shenjing run word2vec

The 25,000 training reviews (``imdb.load_texts``; ``--limit N``: the first N) are split
into words by Keras's rules (lowercase, punctuation removed, ``<br />`` dropped), each
review one sentence.  ``shenjing.text.word2vec.Word2Vec`` learns 100-d vectors twice:
with CBOW (the mean h of the input vectors of the words within a window of up to 5
predicts the centre word) and with skip-gram (each word of the window, h = v_{w_j},
predicts the centre word w_i on its own).  Both score the prediction by negative
sampling,

    L = -log sigmoid(u_{w_i} . h) - sum_{k=1..5} log sigmoid(-u_{n_k} . h),
    n_k ~ P(w) ~ count(w)^0.75,

trained by SGD on each pair as it comes (the compiled kernel ``kernels/word2vec.py``),
the learning rate falling linearly from 0.025 to 0.0001; words seen fewer than 5 times
are dropped and frequent ones subsampled (kept with p = (sqrt(f/t) + 1) t/f, t = 1e-3).
``--batch-size`` is the number of words per SGD call (the learning rate steps between
calls, as gensim's ``batch_words``).  The skip-gram model is saved
(``word2vec.safetensors``), its neighbours of a few words printed and drawn
(``words.png``).

The vectors are judged by Mikolov's analogy questions (``questions-words.txt``, bundled
with gensim): a : b :: c : d is right when d is the word x maximising
cos(x, b) - cos(x, a) + cos(x, c) (3CosAdd), over the questions whose words are all in
the vocabulary.  With gensim installed, gensim's ``Word2Vec`` is trained on the same
words with the same settings (1 worker) and the run reports both accuracies and the
overlap of the 10 nearest neighbours of the 200 most frequent words after the first 50.
Movie reviews say little about capitals and currencies, so the accuracy is low for both
(a few percent after one epoch); what the example shows is that the two agree.
"""

import sys
import time

import numpy

from shenjing.datasets import imdb
from shenjing.text import text_to_word_sequence
from shenjing.text.word2vec import Word2Vec, evaluate_analogies, neighbour_overlap

SETTINGS = dict(vector_size=100, window=5, min_count=5, negative=5, hs=0, sample=1e-3,
                alpha=0.025, min_alpha=0.0001, seed=1)
SHOWN = ("good", "bad", "movie", "actor", "funny", "horror", "boring", "music")
OVERLAP_WORDS = slice(50, 250)      # frequent words past the function words


def tokenize(texts):
    """Each review as its list of words (Keras's ``text_to_word_sequence``, HTML breaks
    removed)."""
    return [text_to_word_sequence(t.replace("<br />", " ")) for t in texts]


def questions_path():
    """gensim's copy of ``questions-words.txt``, or None without gensim."""
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return None
    return datapath("questions-words.txt")


def train_gensim(sentences, sg, epochs, batch_words):
    """gensim's Word2Vec on the same sentences and settings (one worker); None without it."""
    try:
        from gensim.models import Word2Vec as GensimWord2Vec
    except ImportError:
        return None
    return GensimWord2Vec(sentences, sg=sg, epochs=epochs, workers=1, batch_words=batch_words,
                          **SETTINGS)


def plot_words(model, words, path, neighbours=3):
    """``words`` and their nearest ``neighbours`` on the plane of the two principal
    components of their vectors (centred, then projected on the top right singular
    vectors): a picture of which words the vectors put together."""
    from shenjing.plots import pyplot, save_figure
    groups = [[w] + [n for n, _ in model.most_similar(w, topn=neighbours)] for w in words]
    shown = [w for group in groups for w in group]
    x = numpy.stack([model[w] for w in shown]).astype(numpy.float64)
    x -= x.mean(0)
    xy = x @ numpy.linalg.svd(x, full_matrices=False)[2][:2].T
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(7, 6))
    k = 0
    for g, group in enumerate(groups):
        points = xy[k:k + len(group)]
        ax.scatter(points[:, 0], points[:, 1], s=12, color=f"C{g % 10}")
        for (px, py), word in zip(points, group):
            ax.annotate(word, (px, py), fontsize=8 if word == group[0] else 7,
                        fontweight="bold" if word == group[0] else "normal", color=f"C{g % 10}")
        k += len(group)
    ax.set_title(f"word2vec on IMDB: words and their {neighbours} nearest neighbours (PCA)")
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)


def compare(session, model, sentences, sg, prefix):
    """Train gensim with ``model``'s settings on ``sentences``; the analogy accuracies of
    both and their neighbour overlap, keys prefixed with ``prefix``.  {} without gensim."""
    path = questions_path()
    if path is None:
        session.log("word2vec: gensim is not installed: no analogy questions, no comparison "
                    "(pip install gensim)")
        return {}
    accuracy, sections = model.evaluate_analogies(path)
    answered = sum(s["correct"] + s["incorrect"] for s in sections)
    start = time.perf_counter()
    reference = train_gensim(sentences, sg, session.epochs, session.batch_size)
    seconds = time.perf_counter() - start
    # the same evaluation of gensim's vectors (tests/text/test_word2vec.py checks that it
    # gives what gensim's own, much slower, evaluate_word_analogies gives)
    theirs, _ = evaluate_analogies(reference.wv.index_to_key, reference.wv.vectors, path)
    overlap = neighbour_overlap(model, reference.wv, model.index_to_key[OVERLAP_WORDS])
    session.log(f"word2vec {prefix or 'skip-gram'}: analogy accuracy {accuracy:.4f} (gensim "
                f"{theirs:.4f}) on {answered} questions; top-10 neighbour overlap with gensim "
                f"{overlap:.3f}")
    return {f"{prefix}analogy_accuracy": accuracy, f"{prefix}analogy_questions": answered,
            f"{prefix}gensim_analogy_accuracy": theirs, f"{prefix}analogy_gap": accuracy - theirs,
            f"{prefix}neighbour_overlap": overlap, f"{prefix}gensim_seconds": seconds}


def fit(session, sentences, sg, phase, filename=None):
    """A ``Word2Vec`` with ``SETTINGS`` (skip-gram or CBOW) trained on ``sentences``, each
    epoch recorded under ``phase`` (and the model saved to ``filename``, if given)."""
    model = Word2Vec(epochs=session.epochs, batch_words=session.batch_size, sg=sg, **SETTINGS)
    model.build_vocab(sentences)

    def end_epoch(epoch, stats):
        session.check_loss(stats["loss"], epoch, 0)
        session.end_epoch(epoch, {"loss": stats["loss"], "seconds": stats["seconds"],
                                  "words_per_second": stats["words"] / stats["seconds"]},
                          save=model.save if filename else None, filename=filename, phase=phase)

    model.train(sentences, progress=session.progress, on_epoch=end_epoch)
    return model


def train(session):
    """Train CBOW, then skip-gram (saved, shown and plotted) word vectors; returns their
    analogy accuracies and, with gensim, the comparison with gensim's."""
    (texts, _), _ = imdb.load_texts(path=session.data)
    sentences = tokenize(session.take(texts))
    session.log(f"word2vec: {len(sentences)} reviews, {sum(map(len, sentences))} words")

    cbow = fit(session, sentences, 0, "cbow")
    metrics = {"cbow_loss": session.series("loss", "cbow")[-1],
               **compare(session, cbow, sentences, 0, "cbow_")}
    model = fit(session, sentences, 1, "skip-gram", "word2vec.safetensors")
    metrics.update(vocabulary=len(model), loss=session.series("loss", "skip-gram")[-1])
    for word in SHOWN:
        if word in model:
            near = [w for w, _ in model.most_similar(word, topn=8)]
            session.log(f"  {word:>8}: {', '.join(near)}")
            metrics[f"neighbours_{word}"] = near
    plot_words(model, [w for w in SHOWN if w in model], session.path("words.png"))
    if all(w in model for w in ("man", "king", "woman")):
        metrics["man_king_woman"] = model.analogy("man", "king", "woman", topn=3)
    metrics.update(compare(session, model, sentences, 1, ""))
    return metrics


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("word2vec", train))
