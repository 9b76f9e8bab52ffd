"""A GGUF file's header: the metadata and every tensor's name, shape, type and where its bytes lie.

`read` keeps arrays only as their length and reads no weight: the model picker judges every listed
file by it before offering it. `parse(..., arrays=True)` reads the arrays too, the vocabulary's
strings in one loop and numeric arrays as whole blocks, for the loader (gguf_loader._open). gguf's
own GGUFReader takes each string and number as a field part of its own, a million numpy views for
a 262,144-token vocabulary: 5.6 s for Gemma 3 270M's header on this machine, against well under a
second here. The layout is GGUF's, version 2 and 3 (ggml's docs/gguf.md): magic, version, tensor
count, key-value count, the key-values, the tensor infos, then the tensor data at the next multiple
of general.alignment.
"""
from __future__ import annotations

import math
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
    def __init__(self, buf, arrays: bool = False) -> None:
        self.buf, self.pos, self.arrays = buf, 0, arrays

    def take(self, fmt: str):
        value = struct.unpack_from("<" + fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize("<" + fmt)
        return value

    def string(self) -> str:
        n = self.take("Q")
        if self.pos + n > len(self.buf):
            raise ValueError("a string runs past the end of the file")
        self.pos += n
        return bytes(self.buf[self.pos - n:self.pos]).decode("utf-8", errors="strict" if self.arrays else "replace")

    def strings(self, count: int) -> list[str] | range:
        """`count` strings in a row (a vocabulary): decoded with `arrays`, else skipped."""
        buf, pos, end, length = self.buf, self.pos, len(self.buf), struct.Struct("<Q").unpack_from
        out = [] if self.arrays else None
        for _ in range(count):
            n = length(buf, pos)[0]
            pos += 8
            if pos + n > end:
                raise ValueError("a string runs past the end of the file")
            if out is not None:
                out.append(buf[pos:pos + n].decode("utf-8"))
            pos += n
        self.pos = pos
        return range(count) if out is None else out

    def value(self, kind: int):
        if kind == _STRING:
            return self.string()
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind != _ARRAY:
            raise ValueError(f"unknown value type {kind}")
        item, count = self.take("I"), self.take("Q")
        if item == _STRING:
            return self.strings(count)
        if item in _SCALARS:
            dtype = np.dtype("<" + _SCALARS[item])
            if self.pos + count * dtype.itemsize > len(self.buf):
                raise ValueError("an array runs past the end of the file")
            values = np.frombuffer(self.buf, dtype, count, self.pos).tolist() if self.arrays else range(count)
            self.pos += count * dtype.itemsize
            return values
        values = [self.value(item) for _ in range(count)]
        return values if self.arrays else range(count)


def parse(buf, arrays: bool = False) -> tuple[dict, list[TensorInfo], int]:
    """(metadata, tensor infos, where the tensor data starts) from a GGUF file's bytes (a buffer: an
    mmap, bytes). `arrays`: read the metadata's arrays (the vocabulary) rather than keep their length.
    Bytes that are not GGUF or end inside the header raise ValueError (struct.error turned into one)."""
    try:
        c = _Cursor(buf, arrays)
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
        tensors, names = [], set()
        for _ in range(n_tensors):
            name = c.string()
            if name in names:
                raise ValueError(f"the tensor {name} is listed twice")
            names.add(name)
            shape = tuple(c.take("Q") for _ in range(c.take("I")))
            tensors.append(TensorInfo(name, shape, c.take("I"), c.take("Q")))
    except struct.error as err:
        raise ValueError(f"the header is cut short ({err})") from err
    align = int(meta.get("general.alignment", 32))
    return meta, tensors, -(-c.pos // align) * align


def read(path: Path) -> tuple[dict, list[TensorInfo], int]:
    """(metadata with arrays as their length, tensor infos, the byte where the tensor data ends),
    reading no weight. A file that is not GGUF or is cut inside its header raises ValueError."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        meta, tensors, start = parse(buf)
    return meta, tensors, start + _data_end(tensors)


def _data_end(tensors: list[TensorInfo]) -> int:
    """Where the last tensor's bytes end, from its offset and ggml's block sizes."""
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    end = 0
    for t in tensors:
        block, nbytes = GGML_QUANT_SIZES[GGMLQuantizationType(t.type)]
        end = max(end, t.offset + t.n_elements // block * nbytes)
    return end
