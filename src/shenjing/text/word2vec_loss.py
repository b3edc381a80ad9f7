"""word2vec's objectives written with the engine's ops, so that autograd gives their
gradients: the definition that the SGD of ``word2vec_sgd.py`` (and its kernel) follows,
checked in the tests against PyTorch and against one step of ``pair_update``.

For a batch of B pairs (input word i_b, target word t_b), input vectors v = ``w_in``:

    negative sampling     L = -sum_b [ log sigmoid(u_{t_b} . v_{i_b})
                                       + sum_k log sigmoid(-u_{n_bk} . v_{i_b}) ]
                          u = ``w_out``, n_bk the K noise words of pair b
    hierarchical softmax  L = -sum_b sum_j log sigmoid((1 - 2 c_j) u'_{p_j} . v_{i_b})
                          over the Huffman path of t_b (inner nodes p_j, bits c_j),
                          u' = ``w_hs``

Each returns a 0-d tensor (the sum over the batch); inputs are Tensors with
``requires_grad`` for the weights and int arrays for the ids.
"""

import numpy

from .. import ops


def negative_sampling_loss(w_in, w_out, inputs, targets, negatives):
    """(V, D), (V, D), (B,), (B,), (B, K) ids -> the summed negative-sampling loss."""
    inputs, targets, negatives = (numpy.asarray(a) for a in (inputs, targets, negatives))
    if negatives.ndim != 2 or negatives.shape[0] != inputs.shape[0]:
        raise ValueError(f"negative_sampling_loss: negatives must be (B, K) with B = "
                         f"{inputs.shape[0]} pairs, got shape {negatives.shape}")
    h = ops.embedding(inputs, w_in)                        # (B, D)
    positive = (h * ops.embedding(targets, w_out)).sum(-1)  # (B,)
    noise = (h.unsqueeze(1) * ops.embedding(negatives, w_out)).sum(-1)  # (B, K)
    return -(ops.logsigmoid(positive).sum() + ops.logsigmoid(-noise).sum())


def hierarchical_softmax_loss(w_in, w_hs, inputs, targets, tree):
    """(V, D), (V - 1, D), (B,), (B,) ids and a ``HuffmanTree`` -> the summed
    hierarchical-softmax loss."""
    inputs, targets = numpy.asarray(inputs), numpy.asarray(targets)
    lengths = tree.lengths()[targets]
    pair = numpy.repeat(numpy.arange(len(targets)), lengths)      # the pair of each node
    nodes = numpy.concatenate([tree.point(t) for t in targets]).astype(numpy.int64)
    signs = 1.0 - 2.0 * numpy.concatenate([tree.code(t) for t in targets])
    scores = (ops.embedding(inputs[pair], w_in) * ops.embedding(nodes, w_hs)).sum(-1)
    return -ops.logsigmoid(scores * signs.astype(w_in.array.dtype)).sum()
