#!/usr/bin/env python3
"""Reads an mlp-classifier export of `frameworm export --format safetensors` outside Frameworm,
with Hugging Face's `safetensors` (the loader PyTorch users use; `safetensors.numpy` here so no
torch is needed, `safetensors.torch.load_file` gives the same tensors), runs the MLP on a folder of
images in NumPy, and checks the classes and probabilities against what `frameworm predict` wrote
for the same folder.

    python3 -m venv .venv-export && .venv-export/bin/pip install safetensors numpy pillow
    frameworm export  --checkpoint runs/<mlp-digits-run> --out mlp.safetensors
    frameworm predict --model mlp.safetensors --input digits/ --out frameworm.csv
    .venv-export/bin/python scripts/check_export.py mlp.safetensors digits/ frameworm.csv

Tensor names and layout (README: CLI reference, `export`): `hidden.N.weight` `[in, out]` (burn's
linear layout: transpose it for torch.nn.Linear's `[out, in]`), `hidden.N.bias`, `head.weight`,
`head.bias`; the header's `__metadata__` holds `frameworm.model`, `frameworm.config` (the
resolved YAML) and `frameworm.schema` (the data fields: the input is 1×8×8 in [0, 1]).
"""

import csv
import json
import pathlib
import struct
import sys

import numpy as np
from PIL import Image
from safetensors.numpy import load_file


def header(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))


def main(export, folder, predictions):
    meta = header(export)["__metadata__"]
    assert meta["frameworm.model"] == "mlp-classifier", meta["frameworm.model"]
    schema = json.loads(meta["frameworm.schema"])
    image = next(f for f in schema["fields"] if f["name"] == "image")
    channels, height, width = image["shape"]
    tensors = load_file(export)
    hidden = sorted({int(k.split(".")[1]) for k in tensors if k.startswith("hidden.")})

    files = sorted(p for p in pathlib.Path(folder).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    mode = "L" if channels == 1 else "RGB"
    x = np.stack([np.asarray(Image.open(p).convert(mode), dtype=np.float32).reshape(-1) / 255.0 for p in files])
    assert x.shape[1] == channels * height * width, x.shape
    for n in hidden:
        x = np.maximum(x @ tensors[f"hidden.{n}.weight"] + tensors[f"hidden.{n}.bias"], 0.0)
    logits = x @ tensors["head.weight"] + tensors["head.bias"]
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)

    with open(predictions, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(files), f"{len(rows)} predictions for {len(files)} images"
    worst = 0.0
    for row, path, p in zip(rows, files, probabilities):
        assert pathlib.Path(row["file"]).name == path.name, (row["file"], path)
        assert int(row["prediction"]) == int(p.argmax()), (path.name, row["prediction"], int(p.argmax()))
        worst = max(worst, abs(float(row["probability"]) - float(p.max())))
    assert worst < 1e-5, f"probabilities differ by up to {worst}"
    print(f"{len(files)} images: same classes, probabilities within {worst:.1e} of frameworm predict")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
