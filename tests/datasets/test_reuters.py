"""Reuters: Keras's 2015 ``make_reuters_dataset`` steps on Reuters-21578's SGML.

The SGML parsing and the topic/label rules are tested on small hand-written files.  The
real archive is not in the shared test data; when a copy is present (``$SHENJING_DATA/
reuters/reuters21578.tar.gz``) the last tests compare with Keras's published outputs:
8,982 / 2,246 wires, 30,979 words, ``x_train[0]`` and ``x_train[10]`` with
``num_words=10000``, the first training labels, three word-index entries and the
decoded first wire (tutorial and notebook outputs of ``reuters.load_data``).
"""

import io
import tarfile

import numpy
import pytest

from shenjing.datasets import ChecksumError, reuters
from tests.conftest import shared_data_dir


def wire(newid, topics, body=None, title="T"):
    d = "".join(f"<D>{t}</D>" for t in topics)
    text = f"<TITLE>{title}</TITLE>" + (f"<BODY>{body}</BODY>" if body is not None else "")
    return (f'<REUTERS TOPICS="YES" NEWID="{newid}">\n<TOPICS>{d}</TOPICS>\n<PLACES></PLACES>\n'
            f"<TEXT>{text}</TEXT>\n</REUTERS>\n").encode()


def test_parse_wires_keeps_keras_rules():
    first = (wire(1, ["cocoa"], "Cocoa is up.\nReuter\n&#3;")
             + wire(2, [], "No topic here.")
             + wire(3, ["grain", "wheat"], "Grain and wheat."))
    second = wire(4, ["earn"]) + wire(5, ["acq"], "Body of five.")  # wire 4 has no body
    topics, bodies = reuters.parse_wires([("x/reut2-001.sgm", second),
                                          ("x/reut2-000.sgm", first),
                                          ("x/README.txt", wire(9, ["skip"], "not sgm"))])
    assert topics == [b"cocoa", b"grain", b"earn", b"acq"]  # files in name order, first topic
    assert bodies == [b"Cocoa is up.\nReuter\n&#3;", b"Grain and wheat.",
                      b"Body of five.", b"Body of five."]  # wire 4 borrows the next body


def test_build_drops_rare_topics_and_numbers_labels_by_first_appearance():
    topics = [b"b"] * 3 + [b"rare"] + [b"a"] * 2 + [b"b"]
    bodies = [b"x y", b"x", b"y z", b"q", b"x", b"z z z", b"x"]
    kept, labels, names, ranked = reuters.build(topics, bodies, min_samples_per_topic=2)
    assert names == ("b", "a") and labels.tolist() == [0, 0, 0, 1, 1, 0]
    assert kept == [b"x y", b"x", b"y z", b"x", b"z z z", b"x"]
    assert ranked[:2] == [b"x", b"z"] and set(ranked) == {b"x", b"y", b"z"}  # 4, 4, 2


def make_archive(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_read_archive_and_checksum(tmp_path):
    path = tmp_path / "reuters21578.tar.gz"
    make_archive(path, {"reut2-000.sgm": wire(1, ["cocoa"], "A b."), "lewis.dtd": b"<!-- -->"})
    assert reuters.read_archive(path) == [("reut2-000.sgm", wire(1, ["cocoa"], "A b."))]
    with pytest.raises(ChecksumError, match=reuters.ARCHIVE.sha256):
        reuters.load_data(path=path)


def test_label_names_are_kerass():
    names = reuters.get_label_names()
    assert len(names) == 46 and names[:5] == ("cocoa", "grain", "veg-oil", "earn", "acq")


# ---------------------------------------------------------------- the real archive

X_TRAIN_0_10000 = [
    1, 2, 2, 8, 43, 10, 447, 5, 25, 207, 270, 5, 3095, 111, 16, 369, 186, 90, 67, 7, 89, 5, 19,
    102, 6, 19, 124, 15, 90, 67, 84, 22, 482, 26, 7, 48, 4, 49, 8, 864, 39, 209, 154, 6, 151, 6,
    83, 11, 15, 22, 155, 11, 15, 7, 48, 9, 4579, 1005, 504, 6, 258, 6, 272, 11, 15, 22, 134, 44,
    11, 15, 16, 8, 197, 1245, 90, 67, 52, 29, 209, 30, 32, 132, 6, 109, 15, 17, 12]
X_TRAIN_10_10000 = [1, 245, 273, 207, 156, 53, 74, 160, 26, 14, 46, 296, 26, 39, 74, 2979,
                    3554, 14, 46, 4689, 4329, 86, 61, 3499, 4795, 14, 61, 451, 4329, 17, 12]
DECODED_0 = (
    "? ? ? said as a result of its december acquisition of space co it expects earnings per "
    "share in 1987 of 1 15 to 1 30 dlrs per share up from 70 cts in 1986 the company said pretax "
    "net should rise to nine to 10 mln dlrs from six mln dlrs in 1986 and rental operation "
    "revenues to 19 to 22 mln dlrs from 12 5 mln dlrs it said cash flow per share this year "
    "should be 2 50 to three dlrs reuter 3")


@pytest.fixture(scope="module")
def real():
    path = shared_data_dir() / "reuters" / "reuters21578.tar.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared data has no Reuters-21578); set SHENJING_DATA")
    return path


def test_real_matches_keras(real):
    (x_train, y_train), (x_test, y_test) = reuters.load_data(path=real, num_words=10000)
    assert len(x_train) == 8982 and len(x_test) == 2246
    assert x_train[0] == X_TRAIN_0_10000 and x_train[10] == X_TRAIN_10_10000
    assert y_train[:10].tolist() == [3, 4, 3, 4, 4, 4, 4, 3, 3, 16]
    assert sorted(numpy.unique(numpy.concatenate([y_train, y_test]))) == list(range(46))
    index = reuters.get_word_index(path=real)
    assert len(index) == 30979
    assert (index["inspecting"], index["inspection"], index["inspections"]) == (25622, 3469, 13521)
    reverse = {i: w for w, i in index.items()}
    assert " ".join(reverse.get(i - 3, "?") for i in x_train[0]) == DECODED_0
    assert reuters._corpus(str(real)).topic_names == reuters.get_label_names()
