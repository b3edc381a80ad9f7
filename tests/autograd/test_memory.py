"""The graph is freed after backward: a long training loop keeps memory flat."""

import resource
import sys

import pytest

import shenjing as sj


def _rss_mib():
    # current resident set size from /proc (Linux); ru_maxrss is only the peak
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2 ** 20
    except OSError:
        pytest.skip("needs /proc/self/statm")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ten_thousand_steps_keep_memory_flat():
    sj.manual_seed(0)
    w1 = (sj.randn(32, 64) * 0.1).requires_grad_()
    w2 = (sj.randn(64, 1) * 0.1).requires_grad_()
    x = sj.randn(16, 32)
    target = sj.randn(16, 1)

    def step():
        loss = (((x @ w1).tanh() @ w2 - target) ** 2).mean()
        loss.backward()
        with sj.no_grad():
            for w in (w1, w2):
                w -= 0.01 * w.grad
                w.grad = None
        return loss

    for _ in range(500):
        step()
    before = _rss_mib()
    for _ in range(10_000):
        last = step()
    after = _rss_mib()
    assert last.item() < 1.5
    assert after - before < 20, f"memory grew from {before:.1f} MiB to {after:.1f} MiB"
