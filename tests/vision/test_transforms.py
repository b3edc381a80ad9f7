"""shenjing.vision.transforms on real MNIST images (and colour images made of three real
digits): values, shapes and dtypes against torchvision's documented definitions, PIL's own
rotate/resize (what torchvision calls on PIL images) and PyTorch's interpolate."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import gradcheck
from shenjing.vision import transforms as T
from tests.conftest import shared_data_dir

PIL = pytest.importorskip("PIL.Image", reason="the PIL comparisons need Pillow")


@pytest.fixture(scope="module")
def digits():
    from shenjing.datasets.idx import read_idx
    path = shared_data_dir() / "mnist" / "t10k-images-idx3-ubyte.gz"
    if not path.is_file():
        pytest.skip(f"real MNIST not found at {path}")
    return read_idx(path)[:50]


@pytest.fixture(scope="module")
def rgb(digits):
    """A (28, 28, 3) uint8 colour image whose channels are three real digits."""
    return np.ascontiguousarray(np.stack([digits[0], digits[1], digits[2]], axis=-1))


def test_to_tensor_grey_and_colour(digits, rgb):
    x = T.ToTensor()(digits[0])
    assert isinstance(x, sj.Tensor) and x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x.numpy()[0], digits[0].astype(np.float32) / np.float32(255))
    assert 0.0 <= float(x.min()) and float(x.max()) == 1.0
    c = T.ToTensor()(rgb)
    assert c.shape == (3, 28, 28)
    for k in range(3):
        np.testing.assert_array_equal(c.numpy()[k], digits[k] / np.float32(255))
    np.testing.assert_array_equal(T.ToTensor()(PIL.fromarray(rgb)).numpy(), c.numpy())
    floats = np.full((4, 5, 2), 7.5)                      # not uint8: values and dtype kept
    f = T.ToTensor()(floats)
    assert f.shape == (2, 4, 5) and f.dtype == np.float64 and float(f.max()) == 7.5


def test_to_tensor_refuses_a_tensor(digits):
    with pytest.raises(TypeError, match=r"ToTensor: expected a PIL-like array.*got Tensor of "
                                        r"shape \(1, 28, 28\)"):
        T.ToTensor()(T.ToTensor()(digits[0]))
    with pytest.raises(ValueError, match=r"ToTensor: .*got shape \(2, 28, 28, 1\)"):
        T.ToTensor()(digits[:2, :, :, None])


def test_normalize_per_channel(rgb):
    mean, std = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)
    x = T.ToTensor()(rgb)
    y = T.Normalize(mean, std)(x)
    assert y.shape == (3, 28, 28) and y.dtype == np.float32
    for c in range(3):
        np.testing.assert_allclose(y.numpy()[c], (x.numpy()[c] - mean[c]) / std[c],
                                   rtol=1e-6, atol=1e-6)
    one = T.Normalize((0.5,), (0.25,))(x)                  # one value for every channel
    np.testing.assert_allclose(one.numpy(), (x.numpy() - 0.5) / 0.25, rtol=1e-6)


def test_normalize_matches_torch_and_gradcheck(rgb):
    torch = pytest.importorskip("torch")
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    x = T.ToTensor()(rgb)
    expected = (torch.tensor(x.numpy()) - torch.tensor(mean).view(-1, 1, 1)) \
        / torch.tensor(std).view(-1, 1, 1)
    np.testing.assert_allclose(T.Normalize(mean, std)(x).numpy(), expected.numpy(), rtol=1e-6)
    x64 = sj.tensor(np.random.default_rng(0).random((3, 4, 5)), dtype=sj.float64,
                    requires_grad=True)
    assert gradcheck(lambda t: T.Normalize(mean, std)(t), (x64,))


def test_normalize_errors_name_the_transform(digits):
    x = T.ToTensor()(digits[0])
    with pytest.raises(ValueError, match=r"Normalize: mean has 3 values for a tensor with 1 "
                                         r"channels"):
        T.Normalize((0.5, 0.5, 0.5), (0.5,))(x)
    with pytest.raises(TypeError, match=r"Normalize: expected a float tensor .*ToTensor first.*"
                                        r"ndarray"):
        T.Normalize((0.5,), (0.5,))(digits[0])
    with pytest.raises(ValueError, match="Normalize: std=.*zero"):
        T.Normalize((0.5,), (0.0,))


def _crop_offsets(padded, out):
    """Every (i, j) where ``out`` is a window of ``padded``."""
    h, w = out.shape[:2]
    return [(i, j) for i in range(padded.shape[0] - h + 1) for j in range(padded.shape[1] - w + 1)
            if np.array_equal(padded[i:i + h, j:j + w], out)]


def test_random_crop_is_a_window_of_the_padded_image(digits, rgb):
    sj.manual_seed(0)
    padded = np.pad(digits[3], 4)
    offsets = set()
    for _ in range(20):
        out = T.RandomCrop(28, padding=4)(digits[3])
        assert out.shape == (28, 28) and out.dtype == np.uint8
        found = _crop_offsets(padded, out)
        assert found
        offsets.add(found[0])
    assert len(offsets) > 5                                 # the place is random
    out = T.RandomCrop((20, 24), padding=(1, 2), padding_mode="reflect")(rgb)
    assert out.shape == (20, 24, 3)
    assert _crop_offsets(np.pad(rgb, ((2, 2), (1, 1), (0, 0)), mode="reflect"), out)
    sj.manual_seed(5)
    a = T.RandomCrop(10)(digits[4])
    sj.manual_seed(5)
    np.testing.assert_array_equal(T.RandomCrop(10)(digits[4]), a)   # manual_seed decides


def test_random_crop_pad_if_needed_and_errors(digits):
    out = T.RandomCrop(32, pad_if_needed=True, fill=255)(digits[0])
    assert out.shape == (32, 32) and out.max() == 255
    with pytest.raises(ValueError, match=r"RandomCrop: the crop size \(40, 40\) is larger than "
                                         r"the \(padded\) image 28x28"):
        T.RandomCrop(40)(digits[0])
    with pytest.raises(TypeError, match="RandomCrop: expected a PIL-like array.*got list"):
        T.RandomCrop(4)([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="RandomCrop: padding_mode must be one of"):
        T.RandomCrop(4, padding_mode="wrap")


def test_random_horizontal_flip(digits, rgb):
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(digits[0]), digits[0][:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(rgb), rgb[:, ::-1])
    image = digits[0]
    assert T.RandomHorizontalFlip(0.0)(image) is image
    sj.manual_seed(1)
    flips = sum(np.array_equal(T.RandomHorizontalFlip()(digits[5]), digits[5][:, ::-1])
                for _ in range(400))
    assert 150 < flips < 250
    t = T.ToTensor()(rgb)                                   # a tensor (C, H, W) flips its W
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(t).numpy(), t.numpy()[:, :, ::-1])
    flipped = T.RandomHorizontalFlip(1.0)(PIL.fromarray(digits[0]))
    np.testing.assert_array_equal(np.asarray(flipped), digits[0][:, ::-1])


@pytest.mark.parametrize("angle", [30.0, -45.0, 90.0, 170.0])
def test_random_rotation_matches_pil_rotate(digits, angle):
    """torchvision rotates PIL images with Image.rotate: counter-clockwise, about the
    centre, nearest by default, corners filled with 0."""
    for image in digits[:5]:
        ours = T.RandomRotation((angle, angle))(image)
        assert ours.dtype == np.uint8 and ours.shape == (28, 28)
        np.testing.assert_array_equal(ours, np.asarray(PIL.fromarray(image).rotate(angle)))
        bilinear = T.RandomRotation((angle, angle), interpolation="bilinear")(image)
        pil = np.asarray(PIL.fromarray(image).rotate(angle, resample=PIL.BILINEAR))
        assert np.abs(bilinear.astype(int) - pil).max() <= 1


def test_random_rotation_range_and_errors(digits):
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(digits[0]), np.rot90(digits[0]))
    np.testing.assert_array_equal(T.RandomRotation(0)(digits[0]), digits[0])
    sj.manual_seed(3)
    outs = {T.RandomRotation(10)(digits[1]).tobytes() for _ in range(5)}
    assert len(outs) > 1
    with pytest.raises(ValueError, match="RandomRotation: degrees must be >= 0"):
        T.RandomRotation(-5)
    with pytest.raises(NotImplementedError, match="RandomRotation: expand=True"):
        T.RandomRotation(5, expand=True)


def test_resize_matches_torch_interpolate_and_pil(digits, rgb):
    torch = pytest.importorskip("torch")
    out = T.Resize((40, 50))(rgb)
    assert out.shape == (40, 50, 3) and out.dtype == np.uint8
    ref = torch.nn.functional.interpolate(
        torch.tensor(rgb.transpose(2, 0, 1)[None].astype(np.float32)), size=(40, 50),
        mode="bilinear", align_corners=False)[0].numpy().transpose(1, 2, 0)
    assert np.abs(out - ref).max() <= 0.5 + 1e-3           # torch's value, rounded to uint8
    t = T.Resize((40, 50))(T.ToTensor()(rgb))               # a float tensor is not rounded
    np.testing.assert_allclose(t.numpy(), ref.transpose(2, 0, 1) / 255, rtol=1e-5, atol=1e-6)
    pil = np.asarray(PIL.fromarray(digits[0]).resize((50, 40), PIL.BILINEAR))
    assert np.abs(T.Resize((40, 50))(digits[0]).astype(int) - pil).max() <= 1


def test_resize_int_is_the_shorter_side(digits):
    wide = digits[0][:20, :]                                 # 20 x 28
    assert T.Resize(10)(wide).shape == (10, 14)
    assert T.Resize(10)(wide.T.copy()).shape == (14, 10)
    assert T.Resize(56)(digits[0]).shape == (56, 56)
    t = T.Resize(14)(T.ToTensor()(digits[0]))
    assert t.shape == (1, 14, 14) and t.dtype == np.float32
    image = digits[0]
    assert T.Resize((28, 28))(image) is image
    with pytest.raises(ValueError, match="Resize: size must be positive"):
        T.Resize(0)
    with pytest.raises(TypeError, match="Resize: expected a PIL-like array.*got str"):
        T.Resize(3)("image")


def test_compose_and_lambda(digits):
    pipeline = T.Compose([T.RandomCrop(28, padding=2), T.ToTensor(),
                          T.Lambda(lambda x: x * 2), T.Normalize((0.5,), (0.5,))])
    sj.manual_seed(0)
    x = pipeline(digits[0])
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    assert float(x.max()) == pytest.approx(3.0) and float(x.min()) == pytest.approx(-1.0)
    assert "RandomCrop" in repr(pipeline) and "Normalize" in repr(pipeline)
    with pytest.raises(TypeError, match="Lambda: the argument should be callable, got int"):
        T.Lambda(3)
    with pytest.raises(TypeError, match=r"Compose: transforms\[1\] is not callable"):
        T.Compose([T.ToTensor(), "Normalize"])
