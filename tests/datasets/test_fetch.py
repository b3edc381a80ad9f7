"""Finding data files: local copies, checksums, the cache, downloads and their errors.

Downloads are tested against a small HTTP server on localhost (no outside network): a
good file, a wrong one, one cut off mid-transfer, and a closed port for "no network".
"""

import gzip
import hashlib
import http.server
import os
import sys
import threading

import pytest

from shenjing.datasets import ChecksumError, DataFile, DataFileError, cache_dir, fetch, mnist
from shenjing.datasets.fetch import download_file
from shenjing.datasets.samples import sample_path

LABELS = mnist.FILES["y_test"]  # t10k-labels-idx1-ubyte.gz, 4,542 bytes, shipped in samples/


def good_bytes():
    return sample_path(LABELS.filename).read_bytes()


def put(folder, data, name=LABELS.filename):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def listing(folder):
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# ---------------------------------------------------------------- local copies

def test_path_folder_dataset_subfolder_and_file(tmp_path):
    put(tmp_path / "mnist", good_bytes())
    assert fetch(LABELS, path=tmp_path) == tmp_path / "mnist" / LABELS.filename
    put(tmp_path / "flat", good_bytes())
    assert fetch(LABELS, path=tmp_path / "flat") == tmp_path / "flat" / LABELS.filename
    assert fetch(LABELS, path=tmp_path / "flat" / LABELS.filename).is_file()


def test_file_under_another_name_is_recognised_by_content(tmp_path):
    copy = put(tmp_path, good_bytes(), name="my-labels.gz")
    assert fetch(LABELS, path=copy) == copy
    wrong = put(tmp_path, b"not it", name="other.gz")
    with pytest.raises(ChecksumError, match=f"other.gz is none of.*{LABELS.sha256}"):
        fetch(LABELS, path=wrong)


def test_shenjing_data_env(tmp_path, monkeypatch):
    put(tmp_path / "mnist", good_bytes())
    monkeypatch.setenv("SHENJING_DATA", str(tmp_path))
    assert fetch(LABELS) == tmp_path / "mnist" / LABELS.filename


def test_path_is_looked_in_before_shenjing_data(tmp_path, monkeypatch):
    put(tmp_path / "env" / "mnist", b"corrupt")
    put(tmp_path / "given", good_bytes())
    monkeypatch.setenv("SHENJING_DATA", str(tmp_path / "env"))
    assert fetch(LABELS, path=tmp_path / "given").parent == tmp_path / "given"


def test_wrong_checksum_names_file_expected_sha_and_the_fix(tmp_path):
    data = bytearray(good_bytes())
    data[100] ^= 0xFF
    put(tmp_path / "mnist", bytes(data))
    with pytest.raises(ChecksumError) as info:
        fetch(LABELS, path=tmp_path)
    message = str(info.value)
    assert "mnist/t10k-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "mnist" / LABELS.filename) in message
    assert f"expected {LABELS.sha256}" in message
    assert "SHENJING_DATA=<dir>" in message and "path=<dir>" in message


def test_truncated_gzip_is_caught_by_its_checksum(tmp_path):
    data = good_bytes()
    gzip.decompress(data)  # the good one is a whole gzip stream
    put(tmp_path / "mnist", data[: len(data) // 2])
    with pytest.raises(ChecksumError, match=rf"t10k-labels-idx1-ubyte.gz.*truncated.*expected "
                                            rf"{LABELS.sha256}.*SHENJING_DATA"):
        fetch(LABELS, path=tmp_path)


def test_a_local_copy_that_fails_is_never_replaced_silently(tmp_path, monkeypatch):
    put(tmp_path / "mnist", b"bad")
    with pytest.raises(ChecksumError):
        fetch(LABELS, path=tmp_path, download=False)
    assert (tmp_path / "mnist" / LABELS.filename).read_bytes() == b"bad"


def test_missing_without_download(tmp_path):
    with pytest.raises(DataFileError) as info:
        fetch(LABELS, path=tmp_path, download=False)
    message = str(info.value)
    assert "mnist/t10k-labels-idx1-ubyte.gz not found" in message
    assert str(tmp_path / "mnist" / LABELS.filename) in message  # where it looked
    assert LABELS.sha256 in message and "SHENJING_DATA" in message


def test_alternatives_local_copies_first(tmp_path):
    other = DataFile("mnist", "nowhere.gz", "0" * 64, urls=("http://127.0.0.1:9/x",))
    put(tmp_path / "mnist", good_bytes())
    assert fetch(other, LABELS, path=tmp_path).name == LABELS.filename


# ---------------------------------------------------------------- downloads

class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}  # path -> (declared length or None, body)

    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path not in self.files:
            self.send_error(404)
            return
        length, body = self.files[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def remote(server, path, data, declared=None):
    _Handler.files[path] = (declared, data)
    return DataFile("mnist", LABELS.filename, LABELS.sha256, LABELS.size, (server + path,))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    pytest.importorskip("pooch")
    folder = tmp_path / "cache"
    monkeypatch.setenv("SHENJING_CACHE", str(folder))
    assert cache_dir() == folder
    return folder


def test_download_into_the_cache_then_reuse(server, cache, tmp_path):
    file = remote(server, "/good.gz", good_bytes())
    path = fetch(file, path=tmp_path / "empty", progress=False)
    assert path == cache / "mnist" / LABELS.filename
    assert hashlib.sha256(path.read_bytes()).hexdigest() == LABELS.sha256
    assert listing(cache) == ["mnist", LABELS.filename]  # no temporary file left
    del _Handler.files["/good.gz"]  # the server forgets it: the cache is used
    assert fetch(file, progress=False) == path


def test_download_with_wrong_content_leaves_nothing(server, cache):
    file = remote(server, "/wrong.gz", b"something else entirely")
    with pytest.raises(DataFileError) as info:
        fetch(file, progress=False)
    message = str(info.value)
    assert "mnist/t10k-labels-idx1-ubyte.gz could not be downloaded" in message
    assert f"SHA-256 {LABELS.sha256}" in message and "SHENJING_DATA" in message
    assert listing(cache / "mnist") == []


def test_download_cut_off_midway_leaves_no_partial_file(server, cache):
    data = good_bytes()
    file = remote(server, "/cut.gz", data[:1000], declared=len(data))
    with pytest.raises(DataFileError, match="could not be downloaded"):
        fetch(file, progress=False)
    assert listing(cache / "mnist") == []


def test_no_network_names_file_sha_and_shenjing_data(cache, tmp_path):
    file = DataFile("mnist", LABELS.filename, LABELS.sha256, LABELS.size,
                    ("http://127.0.0.1:9/t10k-labels-idx1-ubyte.gz",))  # port 9: refused
    with pytest.raises(DataFileError) as info:
        fetch(file, path=tmp_path, progress=False)
    message = str(info.value)
    assert "mnist/t10k-labels-idx1-ubyte.gz could not be downloaded" in message
    assert "127.0.0.1:9" in message and f"SHA-256 {LABELS.sha256}" in message
    assert "SHENJING_DATA=<dir>" in message
    assert listing(cache / "mnist") == []


def test_second_mirror_is_tried(server, cache):
    _Handler.files["/mirror2.gz"] = (None, good_bytes())
    file = DataFile("mnist", LABELS.filename, LABELS.sha256, LABELS.size,
                    ("http://127.0.0.1:9/x.gz", server + "/mirror2.gz"))
    assert fetch(file, progress=False).is_file()


def test_damaged_cache_entry_is_fetched_again(server, cache):
    put(cache / "mnist", b"damaged")
    file = remote(server, "/again.gz", good_bytes())
    path = fetch(file, progress=False)
    assert path.read_bytes() == good_bytes()


def test_missing_pooch_is_a_one_line_error_naming_the_extra(cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "pooch", None)
    with pytest.raises(ImportError) as info:
        download_file(LABELS, cache / "mnist")
    message = str(info.value)
    assert "pip install 'shenjing[data]'" in message and "\n" not in message
    assert "t10k-labels-idx1-ubyte.gz" in message


def test_the_default_cache_folder_is_per_user(monkeypatch):
    monkeypatch.delenv("SHENJING_CACHE", raising=False)
    assert "shenjing" in str(cache_dir())
    assert os.path.isabs(cache_dir())
