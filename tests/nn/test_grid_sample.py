"""affine_grid and grid_sample (bilinear, zeros padding) against PyTorch: values and the
gradients of the image and of theta; float64 gradcheck; errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import gradcheck
from shenjing.nn import functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
THETA = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) + 0.4 * rng.standard_normal((2, 2, 3))
IMAGE = rng.standard_normal((2, 3, 5, 6))


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 7), (2, 3, 5, 6), (2, 1, 1, 3)])
def test_spatial_transformer_matches_torch(align_corners, size):
    theta_s, theta_t = sj.tensor(THETA, requires_grad=True), torch.tensor(THETA, requires_grad=True)
    img_s, img_t = sj.tensor(IMAGE, requires_grad=True), torch.tensor(IMAGE, requires_grad=True)
    grid_s = F.affine_grid(theta_s, size, align_corners)
    grid_t = torch.nn.functional.affine_grid(theta_t, size, align_corners)
    np.testing.assert_allclose(grid_s.numpy(), grid_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    out_s = F.grid_sample(img_s, grid_s, align_corners=align_corners)
    out_t = torch.nn.functional.grid_sample(img_t, grid_t, align_corners=align_corners)
    np.testing.assert_allclose(out_s.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(out_s.shape)
    (out_s * sj.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(img_s.grad.numpy(), img_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(theta_s.grad.numpy(), theta_t.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_identity_theta_reproduces_the_image():
    theta = sj.tensor(np.tile([[1.0, 0, 0], [0, 1.0, 0]], (2, 1, 1)))
    for align in (False, True):
        grid = F.affine_grid(theta, IMAGE.shape, align)
        out = F.grid_sample(sj.tensor(IMAGE), grid, align_corners=align)
        np.testing.assert_allclose(out.numpy(), IMAGE, rtol=1e-12, atol=1e-12)


def test_grid_sample_gradcheck():
    img = sj.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    grid = sj.tensor(rng.uniform(-1.1, 1.1, (1, 2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda i, g: F.grid_sample(i, g, align_corners=False), (img, grid))
    theta = sj.tensor(THETA[:1], requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, (1, 1, 3, 4), True), (theta,))


def test_grid_sample_errors():
    with pytest.raises(NotImplementedError, match=r"grid_sample: only mode='bilinear' with "
                                                  r"padding_mode='zeros'"):
        F.grid_sample(sj.zeros(1, 1, 2, 2), sj.zeros(1, 2, 2, 2), mode="nearest")
    with pytest.raises(ValueError, match=r"grid_sample: expected input \(N, C, H, W\) and grid"):
        F.grid_sample(sj.zeros(1, 1, 2, 2), sj.zeros(1, 2, 2, 3))
    with pytest.raises(ValueError, match=r"affine_grid: theta must be \(N, 2, 3\) = \(2, 2, 3\)"):
        F.affine_grid(sj.zeros(1, 2, 3), (2, 1, 4, 4))
