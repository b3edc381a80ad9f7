"""k-fold cross-validation of a model-building function: ``cross_validate``.

    result = kt.cross_validate(build_fn, x, y, k=5, stratified=True,
                               fit_kwargs={"epochs": 3, "batch_size": 64})
    result["mean"]["accuracy"], result["std"]["accuracy"]

The samples are split into k folds (shuffled; ``stratified`` keeps each class's share the
same in every fold); for each fold a fresh model from ``build_fn()`` is trained on the other
k - 1 folds and evaluated on it.  The estimate is the mean over folds, its spread the
standard deviation.
"""

import numpy


def kfold_indices(n, k, y=None, stratified=False, shuffle=True, seed=None):
    """[(train indices, test indices)] of ``k`` folds over ``n`` samples; ``stratified``
    deals each class of the labels ``y`` (class ids, or one-hot rows) round-robin into the
    folds, so each fold holds the same share of every class (within one sample)."""
    if not isinstance(k, int) or k < 2:
        raise ValueError(f"cross_validate: k must be an integer >= 2, got {k!r}")
    if k > n:
        raise ValueError(f"cross_validate: k={k} folds need at least {k} samples, got {n}")
    rng = numpy.random.default_rng(seed)
    order = rng.permutation(n) if shuffle else numpy.arange(n)
    fold_of = numpy.empty(n, dtype=numpy.int64)
    if stratified:
        labels = numpy.asarray(y)
        if labels.ndim == 2 and labels.shape[1] > 1:
            labels = labels.argmax(axis=1)          # one-hot rows -> class ids
        labels = labels.reshape(n, -1)[:, 0] if labels.ndim > 1 else labels
        if len(labels) != n:
            raise ValueError(f"cross_validate: y has {len(labels)} labels for {n} samples")
        start = 0
        for cls in numpy.unique(labels):
            members = order[labels[order] == cls]   # this class, in shuffled order
            fold_of[members] = (start + numpy.arange(len(members))) % k
            start += len(members)                   # the next class starts where it ended
    else:
        fold_of[order] = numpy.arange(n) % k
    everything = numpy.arange(n)
    return [(everything[fold_of != f], everything[fold_of == f]) for f in range(k)]


def cross_validate(build_fn, x, y, k=5, stratified=True, fit_kwargs=None, shuffle=True,
                   seed=None, evaluate_kwargs=None):
    """Train and evaluate a fresh ``build_fn()`` model on each of ``k`` folds.

    ``x``: (N, ...) array, ``y``: (N,) class ids (or (N, C) one-hot; ``stratified=False``
    for regression targets).  ``fit_kwargs`` go to every ``fit`` (``epochs``,
    ``batch_size``, ...).  Returns ``{"folds": [{metric: value} per fold], "mean":
    {metric: mean over folds}, "std": {metric: standard deviation over folds}}``, the
    metrics being ``evaluate``'s (``loss`` and those of ``compile``)."""
    x, y = numpy.asarray(x), numpy.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"cross_validate: x has {len(x)} samples but y has {len(y)}")
    if not callable(build_fn):
        raise TypeError(f"cross_validate: build_fn must be a function returning a compiled "
                        f"model, got {type(build_fn).__name__}")
    fit_kwargs = dict(fit_kwargs or {})
    fit_kwargs.setdefault("verbose", 0)
    folds = []
    for train, test in kfold_indices(len(x), k, y, stratified, shuffle, seed):
        model = build_fn()
        model.fit(x[train], y[train], **fit_kwargs)
        logs = model.evaluate(x[test], y[test], verbose=0, return_dict=True,
                              **(evaluate_kwargs or {}))
        folds.append({name: float(value) for name, value in logs.items()})
    names = folds[0].keys()
    return {"folds": folds,
            "mean": {n: float(numpy.mean([f[n] for f in folds])) for n in names},
            "std": {n: float(numpy.std([f[n] for f in folds])) for n in names}}
