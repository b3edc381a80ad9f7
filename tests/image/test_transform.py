"""Geometric transforms: exact cases worked out by hand for each sampling and fill mode."""

import math

import numpy
import pytest

from shenjing.datasets import load_sample
from shenjing.image import (affine_transform, flip_left_right, flip_up_down, rot90, rotate,
                            translate, zoom)


def row(values):
    """A (1, W, 1) image holding ``values``."""
    return numpy.array(values, dtype=numpy.float32).reshape(1, -1, 1)


@pytest.fixture(scope="module")
def digits():
    images, _ = load_sample("mnist")
    return images[:8, :, :, None].astype(numpy.float32)  # (8, 28, 28, 1)


def test_flips_and_quarter_turns_are_exact(digits):
    numpy.testing.assert_array_equal(flip_left_right(digits), digits[:, :, ::-1])
    numpy.testing.assert_array_equal(flip_up_down(digits[0]), digits[0, ::-1])
    numpy.testing.assert_array_equal(rot90(digits, 1), numpy.rot90(digits, 1, axes=(1, 2)))
    numpy.testing.assert_array_equal(rot90(rot90(digits, 3), 1), digits)
    assert rot90(numpy.zeros((2, 3, 5, 1)), 1).shape == (2, 5, 3, 1)


def test_rotation_by_quarter_turns_matches_rot90(digits):
    numpy.testing.assert_array_equal(rotate(digits, math.pi / 2, "nearest"), rot90(digits, 1))
    numpy.testing.assert_allclose(rotate(digits, math.pi / 2), rot90(digits, 1), atol=1e-3)
    numpy.testing.assert_array_equal(rotate(digits, -math.pi / 2, "nearest"), rot90(digits, 3))
    wide = numpy.arange(12, dtype=numpy.float32).reshape(3, 4, 1)  # 180 degrees: any shape
    numpy.testing.assert_array_equal(rotate(wide, math.pi, "nearest"), wide[::-1, ::-1])
    numpy.testing.assert_array_equal(rotate(digits, 0.0), digits)


@pytest.mark.parametrize("fill_mode, expected", [
    # a b c d shifted right by 2: positions 0, 1 read the input at -2, -1
    ("constant", [9, 9, 1, 2]),   # kkkk|abcd|kkkk, k = fill_value 9
    ("reflect", [2, 1, 1, 2]),    # dcba|abcd|dcba: -1 -> a, -2 -> b
    ("mirror", [3, 2, 1, 2]),     # cbab|abcd: -1 -> b, -2 -> c
    ("wrap", [3, 4, 1, 2]),       # abcd|abcd
    ("nearest", [1, 1, 1, 2]),    # aaaa|abcd
])
def test_fill_modes(fill_mode, expected):
    for interpolation in ("nearest", "bilinear"):
        out = translate(row([1, 2, 3, 4]), 2, 0, interpolation, fill_mode, fill_value=9)
        assert out[0, :, 0].tolist() == expected, interpolation


def test_fill_modes_on_the_right_edge():
    image = row([1, 2, 3, 4])
    assert translate(image, -2, 0, "nearest", "reflect")[0, :, 0].tolist() == [3, 4, 4, 3]
    assert translate(image, -2, 0, "nearest", "mirror")[0, :, 0].tolist() == [3, 4, 3, 2]
    assert translate(image, -5, 0, "nearest", "wrap")[0, :, 0].tolist() == [2, 3, 4, 1]


def test_bilinear_and_nearest_sampling_between_pixels():
    image = row([0, 2, 4, 6])
    # output x reads x - 0.5: the mean of two neighbours; outside, fill_value blends in
    assert translate(image, 0.5, 0, "bilinear", "nearest")[0, :, 0].tolist() == [0, 1, 3, 5]
    assert translate(image, 0.5, 0, "bilinear", "constant", 10)[0, :, 0].tolist() == [5, 1, 3, 5]
    # nearest rounds halves away from zero: -0.5 -> -1 (outside), 0.5 -> 1
    assert translate(image, 0.5, 0, "nearest", "constant", 10)[0, :, 0].tolist() == [10, 2, 4, 6]
    column = numpy.array([0, 4, 8], dtype=numpy.float32).reshape(3, 1, 1)
    assert translate(column, 0, 0.25, "bilinear", "nearest")[:, 0, 0].tolist() == [0, 3, 7]


def test_zoom_about_the_centre():
    image = numpy.arange(25, dtype=numpy.float32).reshape(5, 5, 1)
    numpy.testing.assert_array_equal(zoom(image, 1.0), image)
    out = zoom(image, 2.0, interpolation="nearest")  # zoom out: reads 2 (x - 2) + 2
    assert out[2, 2, 0] == 12 and out[0, 0, 0] == 0 and out[1, 1, 0] == 0  # (0,0) from (-2,-2)
    assert out[3, 3, 0] == image[4, 4, 0]
    inside = zoom(image, 0.5, interpolation="bilinear")  # zoom in: (0, 0) reads (1, 1)
    assert inside[0, 0, 0] == image[1, 1, 0] and inside[4, 4, 0] == image[3, 3, 0]
    assert zoom(image, 2.0, 1.0, "nearest")[2, :, 0].tolist() == [0, 10, 12, 14, 0]


def test_affine_transform_general():
    image = numpy.arange(12, dtype=numpy.float64).reshape(3, 4, 1)
    identity = [1, 0, 0, 0, 1, 0, 0, 0]
    out = affine_transform(image, identity)
    assert out.dtype == numpy.float64 and numpy.array_equal(out, image)
    swap = affine_transform(numpy.zeros((2, 3, 3, 1), numpy.uint8), [identity, identity])
    assert swap.dtype == numpy.float32 and swap.shape == (2, 3, 3, 1)
    projective = affine_transform(image, [1, 0, 0, 0, 1, 0, 0.5, 0], "nearest")
    assert projective[0, :, 0].tolist() == [0, 1, 1, 1]  # x_in = x / (0.5 x + 1)


def test_transform_errors():
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        affine_transform(numpy.zeros((2, 2, 1)), [1, 0, 0, 0, 1, 0, 0, 0], fill_mode="edge")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        affine_transform(numpy.zeros((2, 2, 1)), [1, 0, 0, 0, 1, 0, 0, 0], "cubic")
    with pytest.raises(ValueError, match="expected channels-last images .* got shape \\(2, 2\\)"):
        rotate(numpy.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match="3 transforms for 2 images"):
        affine_transform(numpy.zeros((2, 2, 2, 1)), numpy.zeros((3, 8)))
