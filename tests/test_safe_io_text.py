"""Files from outside are read only when regular and small; untrusted text is printed with controls escaped."""

from __future__ import annotations

import os

import pytest

from tutor.safefile import FileRefused, is_regular_file, list_dir_files, read_bytes, read_text
from tutor.safetext import has_unsafe, one_line, printable


def test_a_regular_file_under_the_cap_is_read(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("x: 1\n", encoding="utf-8")
    assert read_text(p, 100) == "x: 1\n"
    assert is_regular_file(p)


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_bytes(b"x" * 101)
    with pytest.raises(FileRefused, match="101 bytes, over the limit of 100"):
        read_bytes(p, 100, "lesson file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    p = tmp_path / "x.yaml"
    os.mkfifo(p)
    assert not is_regular_file(p)
    with pytest.raises(FileRefused, match="FIFO"):
        read_bytes(p, 100, "lesson file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_symlink_to_a_device_is_refused(tmp_path):
    p = tmp_path / "zero.yaml"
    p.symlink_to("/dev/zero")
    with pytest.raises(FileRefused, match="character device"):
        read_bytes(p, 100, "answers file")


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(FileRefused, match="directory"):
        read_bytes(tmp_path, 100)


def test_file_refused_is_an_oserror_with_a_strerror(tmp_path):
    with pytest.raises(OSError) as e:
        read_bytes(tmp_path, 100, "progress file")
    assert e.value.strerror == "the progress file is a directory, not a regular file"


def test_listing_is_bounded(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.yaml").write_text("")
    (tmp_path / "note.txt").write_text("")
    files, more = list_dir_files(tmp_path, (".yaml",), 3)
    assert len(files) == 3 and all(f.suffix == ".yaml" for f in files)
    assert more
    assert list_dir_files(tmp_path / "missing", (".yaml",), 3) == ([], False)


def test_control_characters_are_escaped_and_maths_kept():
    assert printable("a\x1b]0;owned\x07b") == "a\\x1b]0;owned\\x07b"
    assert printable("∂L/∂y = σ′(z)\nnext\tline") == "∂L/∂y = σ′(z)\nnext\tline"
    assert printable("\u202eevil\ud800") == "\\u202eevil\\ud800"
    assert printable("\x9b2J") == "\\x9b2J"
    assert one_line("a\nb\rc") == "a\\nb\\rc"
    assert has_unsafe("x\x1b") and not has_unsafe("plain ∑ text\n")
