"""Einstein summation: ``einsum("bij,bjk->bik", a, b)``.

The operands are contracted two at a time, each pair as one batched ``matmul``
(batch letters, kept letters of each side, summed letters), after summing away the letters
no later operand or the output needs; so einsum is differentiable through matmul, sum,
permute and reshape and runs at matmul speed.  A letter repeated within one operand
(a diagonal, "ii->i") is not supported.
"""

import numpy

from ._helpers import as_tensor, expect
from .linalg import matmul
from .reduction import sum as _sum
from .shape import broadcast_to, permute, reshape

_SPARE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse(subscripts, shapes):
    """The letters of each operand and of the output, with '...' spelled out as capitals."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got "
                         f"{len(shapes)}")
    ellipsis = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                    if "..." in t), default=0)
    spare = _SPARE[:ellipsis]
    letters = []
    for t, s in zip(terms, shapes):
        n = len(s) - len(t.replace("...", ""))
        t = t.replace("...", spare[ellipsis - n:] if n else "")
        if len(t) != len(s):
            raise ValueError(f"einsum: the term {t!r} has {len(t)} letters for an operand of "
                             f"shape {tuple(s)}")
        if len(set(t)) != len(t):
            raise NotImplementedError(f"einsum: a letter repeated within one operand ({t!r}, a "
                                      f"diagonal) is not supported")
        letters.append(t)
    if arrow:
        output = output.replace("...", spare)
    else:
        joined = "".join(letters)
        output = spare + "".join(sorted(c for c in set(joined) if joined.count(c) == 1
                                        and c not in spare))
    return letters, output


def _sizes(letters, tensors):
    sizes = {}
    for t, x in zip(letters, tensors):
        for c, n in zip(t, x.shape):
            expect(sizes.get(c, 1) in (1, n) or n == 1, "einsum",
                   f"the letter {c!r} stands for sizes {sizes.get(c)} and {n} (operand shapes "
                   f"{[tuple(x.shape) for x in tensors]})")
            sizes[c] = max(sizes.get(c, 1), n)
    return sizes


def _reduce(x, letters, keep):
    """Sum out the letters of ``x`` not in ``keep``."""
    drop = tuple(i for i, c in enumerate(letters) if c not in keep)
    if drop:
        x = _sum(x, drop)
        letters = "".join(c for c in letters if c in keep)
    return x, letters


def _pair(a, la, b, lb, keep, sizes):
    """Contract two operands as one batched matmul: (batch, left, sum) @ (batch, sum, right)."""
    batch = [c for c in la if c in lb and c in keep]
    summed = [c for c in la if c in lb and c not in keep]
    left = [c for c in la if c not in lb]
    right = [c for c in lb if c not in la]

    def arrange(x, lx, groups):
        order = [c for g in groups for c in g]
        x = permute(x, tuple(lx.index(c) for c in order))
        full = tuple(sizes[c] for c in order)
        if tuple(x.shape) != full:
            x = broadcast_to(x, full)
        return reshape(x, tuple(sizes[c] for c in batch) +
                       tuple(int(numpy.prod([sizes[c] for c in g], dtype=numpy.int64))
                             for g in groups[1:]))
    out = matmul(arrange(a, la, [batch, left, summed]), arrange(b, lb, [batch, summed, right]))
    letters = "".join(batch + left + right)
    return reshape(out, tuple(sizes[c] for c in letters)), letters


def einsum(equation, *operands):
    """Einstein summation: multiply the operands along the letters they share and sum the
    letters missing from the output ('...' stands for leading dims; without '->' the output
    is the letters seen once, sorted).  The operands may also come as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [as_tensor(x) for x in operands]
    expect(len(tensors) > 0, "einsum", "expects at least one operand")
    letters, output = _parse(equation, [x.shape for x in tensors])
    sizes = _sizes(letters, tensors)
    x, lx = tensors[0], letters[0]
    for i in range(1, len(tensors) + 1):
        later = set(output).union(*letters[i:]) if i < len(tensors) else set(output)
        x, lx = _reduce(x, lx, later | (set(letters[i]) if i < len(tensors) else set()))
        if i < len(tensors):
            y, ly = _reduce(tensors[i], letters[i], later | set(lx))
            x, lx = _pair(x, lx, y, ly, later, sizes)
    missing = [c for c in output if c not in lx]
    if missing:
        raise ValueError(f"einsum: the output letters {missing} appear in no operand")
    x = permute(x, tuple(lx.index(c) for c in output)) if lx != output else x
    full = tuple(sizes[c] for c in output)
    return x if tuple(x.shape) == full else broadcast_to(x, full)
