"""Rearrangements of channels and pixels, pure reshapes and permutes (their gradients are
the inverse rearrangements, from ``reshape`` and ``permute``):

- pixel_shuffle(x, r):   (*, C r^2, H, W) -> (*, C, H r, W r)   (sub-pixel convolution)
- pixel_unshuffle(x, r): (*, C, H r, W r) -> (*, C r^2, H, W)   its inverse
- channel_shuffle(x, g): (N, g k, ...) -> (N, k g, ...)           (ShuffleNet) channel c = i k + j
  moves to j g + i
"""


def _check(x, op, ndim=3):
    if x.ndim < ndim:
        raise ValueError(f"{op}: expected an input of at least {ndim} dims (*, C, H, W), got "
                         f"shape {tuple(x.shape)}")


def _factor(value, op, name):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return value


def pixel_shuffle(input, upscale_factor):  # noqa: A002 - torch's name
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]."""
    op = "pixel_shuffle"
    _check(input, op)
    r = _factor(upscale_factor, op, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"{op}: channels (dim -3) must be divisible by upscale_factor^2 = "
                         f"{r * r}, got {c} (input {tuple(input.shape)})")
    b = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)      # (*, C, H, r, W, r)
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):  # noqa: A002 - torch's name
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``."""
    op = "pixel_unshuffle"
    _check(input, op)
    r = _factor(downscale_factor, op, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(f"{op}: height and width must be divisible by downscale_factor={r}, got "
                         f"{h}x{w} (input {tuple(input.shape)})")
    b = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)      # (*, C, r, r, H, W)
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):  # noqa: A002 - torch's name
    """(N, C, ...) with C = g k: view the channels as (g, k), transpose to (k, g), flatten."""
    op = "channel_shuffle"
    g = _factor(groups, op, "groups")
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an input of at least 3 dims (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    n, c, *rest = input.shape
    if c % g:
        raise ValueError(f"{op}: channels ({c}) must be divisible by groups={g}")
    x = input.reshape((n, g, c // g) + tuple(rest))
    return x.transpose(1, 2).reshape(tuple(input.shape))
