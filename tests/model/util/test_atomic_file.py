"""Cache files are written whole or not at all, even by several writers at once."""
import threading

import pytest

from model.util.atomic_file import write_atomically


def test_concurrent_writers_each_rename_a_whole_file(tmp_path):
    target = tmp_path / "cache" / "blob.npz"
    payloads = [bytes([i]) * 2_000_000 for i in range(6)]
    threads = [threading.Thread(target=write_atomically, args=(target, lambda tmp, p=p: tmp.write_bytes(p)))
               for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert target.read_bytes() in payloads  # one writer's whole file, never a mix
    assert [p.name for p in target.parent.iterdir()] == ["blob.npz"]  # no temporary files left


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "blob.pt"

    def fail(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, fail)
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_name_keeps_the_suffix(tmp_path):
    seen = []
    write_atomically(tmp_path / "d.npz", lambda tmp: (seen.append(tmp.name), tmp.write_bytes(b"x")))
    assert seen[0].endswith(".npz") and seen[0] != "d.npz"
