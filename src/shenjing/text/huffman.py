"""The Huffman tree of hierarchical softmax: each word's binary code and the inner nodes on
its path from the root.

Hierarchical softmax replaces the V-way softmax by V - 1 binary decisions arranged in a
tree: word w with path (n_1, b_1), ..., (n_L, b_L) from the root (inner node n_j, branch
b_j in {0, 1}) has probability

    P(w | h) = prod_j sigmoid((1 - 2 b_j) u_{n_j} . h)

so one prediction costs L dot products instead of V.  A Huffman tree (built from the word
counts by merging the two least frequent nodes until one is left) makes L short for
frequent words: the expected L is the entropy of the unigram distribution, within one bit.

Leaves are nodes 0..V-1 in vocabulary order, inner nodes V, V+1, ... in order of
creation; the heap compares counts alone (equal counts come out as ``heapq`` leaves them)
and the first node popped takes bit 0, as gensim does: the codes are gensim's bit for bit.

>>> tree = huffman_codes([5, 3, 1, 1])
>>> [tree.code(w).tolist() for w in range(4)]
[[0], [1, 1], [1, 0, 0], [1, 0, 1]]
"""

import heapq
from collections import namedtuple

import numpy


class HuffmanTree(namedtuple("HuffmanTree", "codes points offsets")):
    """Flat paths: word w's bits are ``codes[offsets[w]:offsets[w + 1]]`` (uint8, root
    first) and the inner nodes they branch at are ``points[...]`` (int32 in [0, V - 1),
    the rows of hierarchical softmax's output matrix)."""

    def code(self, w):
        """Word ``w``'s bits, root first: (L,) uint8."""
        return self.codes[self.offsets[w]:self.offsets[w + 1]]

    def point(self, w):
        """The inner nodes on word ``w``'s path, root first: (L,) int32."""
        return self.points[self.offsets[w]:self.offsets[w + 1]]

    def lengths(self):
        """(V,) int64: the code length of every word."""
        return numpy.diff(self.offsets)


class _Node(namedtuple("_Node", "count node")):
    def __lt__(self, other):            # counts alone: ties fall where heapq leaves them
        return self.count < other.count


def huffman_codes(counts):
    """The Huffman tree of ``counts`` ((V,) positive ints, V >= 2): a ``HuffmanTree``."""
    counts = numpy.asarray(counts)
    n = len(counts)
    if counts.ndim != 1 or n < 2:
        raise ValueError(f"huffman_codes: expected at least 2 counts in a 1-d array, got shape "
                         f"{counts.shape}")
    heap = [_Node(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = numpy.empty(2 * n - 1, numpy.int64)   # node -> its parent (the root: itself)
    bit = numpy.zeros(2 * n - 1, numpy.uint8)      # node -> the branch taken to reach it
    for node in range(n, 2 * n - 1):
        first, second = heapq.heappop(heap), heapq.heappop(heap)
        parent[first.node], parent[second.node], bit[second.node] = node, node, 1
        heapq.heappush(heap, _Node(first.count + second.count, node))
    root = 2 * n - 2
    parent[root] = root
    codes, points, offsets = [], [], [0]
    for w in range(n):
        bits, nodes, node = [], [], w
        while node != root:                         # walk up, then read the path backwards
            bits.append(bit[node])
            node = parent[node]
            nodes.append(node - n)
        codes.extend(reversed(bits))
        points.extend(reversed(nodes))
        offsets.append(len(codes))
    return HuffmanTree(numpy.asarray(codes, numpy.uint8), numpy.asarray(points, numpy.int32),
                       numpy.asarray(offsets, numpy.int64))
