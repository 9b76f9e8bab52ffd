"""A GGUF file's header, read without its weights and without parsing its vocabulary: the metadata
(arrays kept only as their length) and every tensor's name, shape, type and where its bytes lie.

gguf's own GGUFReader parses every vocabulary string (seconds for a 262,144-token vocabulary), so
the model picker, which judges every listed file before offering it, reads this instead. The layout
is GGUF's, version 2 and 3 (ggml's docs/gguf.md): magic, version, tensor count, key-value count,
the key-values, the tensor infos, then the tensor data at the next multiple of general.alignment.
"""
from __future__ import annotations

import math
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # GGUF order: the row length first
    type: int  # ggml type
    offset: int  # from the start of the data section

    @property
    def n_elements(self) -> int:
        return math.prod(self.shape)


class _Cursor:
    def __init__(self, buf) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        value = struct.unpack_from("<" + fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize("<" + fmt)
        return value

    def string(self) -> str:
        n = self.take("Q")
        if self.pos + n > len(self.buf):
            raise ValueError("a string runs past the end of the file")
        self.pos += n
        return bytes(self.buf[self.pos - n:self.pos]).decode("utf-8", errors="replace")

    def value(self, kind: int):
        if kind == _STRING:
            return self.string()
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind != _ARRAY:
            raise ValueError(f"unknown value type {kind}")
        item, count = self.take("I"), self.take("Q")
        if item in _SCALARS:  # skipped: only its length is kept
            self.pos += count * struct.calcsize("<" + _SCALARS[item])
        else:
            for _ in range(count):
                self.value(item)
        return range(count)


def read(path: Path) -> tuple[dict, list[TensorInfo], int]:
    """(metadata, tensor infos, the byte where the tensor data ends). A file that is not GGUF or is cut
    inside its header raises ValueError; struct.error is turned into one."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        try:
            c = _Cursor(buf)
            if bytes(buf[:4]) != b"GGUF":
                raise ValueError("no GGUF magic number")
            c.pos = 4
            version, n_tensors, n_kv = c.take("I"), c.take("Q"), c.take("Q")
            if version < 2:
                raise ValueError(f"GGUF version {version} is too old")
            meta = {}
            for _ in range(n_kv):
                key = c.string()
                meta[key] = c.value(c.take("I"))
            tensors = []
            for _ in range(n_tensors):
                name = c.string()
                shape = tuple(c.take("Q") for _ in range(c.take("I")))
                tensors.append(TensorInfo(name, shape, c.take("I"), c.take("Q")))
        except struct.error as err:
            raise ValueError(f"the header is cut short ({err})") from err
        align = int(meta.get("general.alignment", 32))
        start = -(-c.pos // align) * align
    return meta, tensors, start + _data_end(tensors)


def _data_end(tensors: list[TensorInfo]) -> int:
    """Where the last tensor's bytes end, from its offset and ggml's block sizes."""
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    end = 0
    for t in tensors:
        block, nbytes = GGML_QUANT_SIZES[GGMLQuantizationType(t.type)]
        end = max(end, t.offset + t.n_elements // block * nbytes)
    return end
