#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus: tiny valid IDX files (raw and gzip) and safetensors files.

Run from anywhere: python3 extra/fuzz/make_corpus.py. The output is deterministic and committed.
"""
import gzip
import io
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(data)
    return out.getvalue()


def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write(folder, name, data):
    path = os.path.join(HERE, "corpus", folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


labels = idx(8, [10], bytes([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]))
images = idx(8, [2, 4, 4], bytes(range(32)))
matrix = idx(8, [2, 3], bytes([1, 2, 3, 4, 5, 6]))
for name, data in [("labels.idx", labels), ("images.idx", images), ("matrix.idx", matrix),
                   ("float32.idx", idx(0x0D, [1], struct.pack(">f", 1.5)))]:
    write("idx", name, data)
    write("idx", name + ".gz", gz(data))
write("idx", "two-members.gz", gz(matrix[:9]) + gz(matrix[9:]))

f32 = struct.pack("<4f", 1.0, -2.0, 0.5, float("inf"))
write("safetensors", "f32.safetensors", safetensors({"w": ("F32", [2, 2], f32)}))
write("safetensors", "mixed.safetensors", safetensors({
    "a": ("F32", [4], f32),
    "h": ("F16", [2], struct.pack("<2e", 1.0, -0.5)),
    "i": ("I32", [], struct.pack("<i", 7)),
    "u": ("U8", [3], bytes([0, 128, 255])),
    "m": ("BOOL", [2], bytes([1, 0])),
    "e": ("F32", [0, 3], b""),
}, metadata={"format": "pt"}))
write("safetensors", "empty.safetensors", safetensors({}))
