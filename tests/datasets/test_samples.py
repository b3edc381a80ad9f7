"""The embedded MNIST sample and the IDX reader."""

import gzip
import hashlib

import numpy
import pytest

from shenjing.datasets import IDXError, load_sample, parse_idx, read_idx
from shenjing.datasets.samples import SAMPLES, sample_path

# counted from the original t10k-labels-idx1-ubyte (digits 0..9)
T10K_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# SHA-256 of the decompressed original IDX files (header + data)
T10K_IMAGES_IDX_SHA256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
T10K_LABELS_IDX_SHA256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"


@pytest.fixture(scope="module")
def mnist():
    return load_sample("mnist")


def test_shapes_and_dtypes(mnist):
    images, labels = mnist
    assert images.shape == (10000, 28, 28) and images.dtype == numpy.uint8
    assert labels.shape == (10000,) and labels.dtype == numpy.uint8
    assert images.min() == 0 and images.max() == 255
    assert images.flags.writeable and labels.flags.writeable


def test_label_counts(mnist):
    _, labels = mnist
    assert numpy.bincount(labels, minlength=10).tolist() == T10K_COUNTS
    assert (labels == 0).sum() == 980
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_arrays_are_the_original_bytes(mnist):
    images, labels = mnist
    header = bytes([0, 0, 8, 3]) + numpy.array([10000, 28, 28], ">u4").tobytes()
    assert hashlib.sha256(header + images.tobytes()).hexdigest() == T10K_IMAGES_IDX_SHA256
    header = bytes([0, 0, 8, 1]) + numpy.array([10000], ">u4").tobytes()
    assert hashlib.sha256(header + labels.tobytes()).hexdigest() == T10K_LABELS_IDX_SHA256


def test_shipped_files_match_pinned_checksums():
    for name, part in (("mnist", "images"), ("mnist", "labels"), ("imdb", "reviews")):
        filename, sha256 = SAMPLES[name][part]
        assert hashlib.sha256(sample_path(filename).read_bytes()).hexdigest() == sha256
        assert filename in sample_path("README.md").read_text()  # origin and licence stated
    assert sample_path("README.md").is_file()


def test_unknown_sample():
    with pytest.raises(ValueError, match="no embedded sample named 'cifar'.*mnist"):
        load_sample("cifar")


def _copy(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_read_idx_from_a_path(tmp_path, mnist):
    filename, _ = SAMPLES["mnist"]["labels"]
    data = sample_path(filename).read_bytes()
    gz = _copy(tmp_path, "labels.gz", data)
    raw = _copy(tmp_path, "labels.idx", gzip.decompress(data))
    numpy.testing.assert_array_equal(read_idx(gz), mnist[1])
    numpy.testing.assert_array_equal(read_idx(str(raw)), mnist[1])


def test_truncated_gzip_names_the_file(tmp_path):
    filename, _ = SAMPLES["mnist"]["images"]
    data = sample_path(filename).read_bytes()
    path = _copy(tmp_path, "t10k-images-truncated.gz", data[: len(data) // 2])
    with pytest.raises(IDXError, match="t10k-images-truncated.gz.*truncated"):
        read_idx(path)


def test_truncated_data_names_the_file_and_sizes(tmp_path):
    filename, _ = SAMPLES["mnist"]["labels"]
    raw = gzip.decompress(sample_path(filename).read_bytes())
    path = _copy(tmp_path, "short-labels.gz", gzip.compress(raw[:-10]))
    with pytest.raises(IDXError, match=r"short-labels.gz: truncated.*10000 data bytes.* only 9990"):
        read_idx(path)


@pytest.mark.parametrize("data, message", [
    (b"", "truncated: expected the 4-byte magic number"),
    (b"\x00\x00\x08", "truncated: expected the 4-byte magic number"),
    (b"PK\x03\x04", "not an IDX file"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "unknown IDX dtype code 0x07"),
    (b"\x00\x00\x08\x00", "0 dimensions"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated: expected 2 dimension sizes"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02\x03", "extra bytes"),
])
def test_malformed_headers(tmp_path, data, message):
    path = _copy(tmp_path, "bad.idx", data)
    with pytest.raises(IDXError, match="bad.idx: .*" + message):
        read_idx(path)
    with pytest.raises(IDXError, match=message):  # and the gzip form of the same bytes
        parse_idx(gzip.compress(data), name="bad.idx.gz")


def test_idx_error_is_a_value_error():
    assert issubclass(IDXError, ValueError)


@pytest.mark.parametrize("code, dtype", [(0x08, "u1"), (0x09, "i1"), (0x0B, ">i2"), (0x0C, ">i4"),
                                         (0x0D, ">f4"), (0x0E, ">f8")])
def test_every_dtype_code_round_trips(code, dtype):
    values = (numpy.arange(24) - 5).astype(dtype).reshape(2, 3, 4)
    data = bytes([0, 0, code, 3]) + numpy.array(values.shape, ">u4").tobytes() + values.tobytes()
    for blob in (data, gzip.compress(data)):
        out = parse_idx(blob)
        assert out.shape == (2, 3, 4) and out.dtype.isnative
        assert out.dtype == numpy.dtype(dtype).newbyteorder("=")
        numpy.testing.assert_array_equal(out, values)
