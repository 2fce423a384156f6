"""A crop pack: what a training run on a lent GPU carries instead of the photographs.

    /usr/bin/python3 models/train/pack.py [--mib 48]

Writes models/train/data/pack.pt (not committed; <= --mib MiB): random 192x192 crops of the
training split (about as many per photograph as its area allows, flips and turns added at training
time) and, per model, the exact validation patches and generator state a run from the images would
use, so a run from the pack validates on the same patches. train_image.py --pack loads it.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from common import DATA_DIR, SEED, load_split, log

CROP = 192


def make_pack(mib: float) -> dict:
    from train_image import VAL_PATCHES, random_patches

    train = load_split("train")
    val_bytes = sum(count * side * side * 3 for count, side in VAL_PATCHES.values())
    n = int((mib * 2**20 - val_bytes - 2**16) // (CROP * CROP * 3))
    areas = np.array([im.shape[0] * im.shape[1] for im in train], dtype=np.float64)
    gen = np.random.default_rng(SEED)
    picks = gen.choice(len(train), size=n, p=areas / areas.sum())
    crops = np.empty((n, CROP, CROP, 3), dtype=np.uint8)
    for i, k in enumerate(picks):
        im = train[k]
        y = gen.integers(0, im.shape[0] - CROP + 1)
        x = gen.integers(0, im.shape[1] - CROP + 1)
        crops[i] = im[y : y + CROP, x : x + CROP]
    pack = {"train": torch.from_numpy(crops), "crop": CROP, "photos": len(train)}
    val = load_split("val")
    for model_id, (count, side) in VAL_PATCHES.items():
        vgen = torch.Generator().manual_seed(SEED + 1)
        patches = random_patches(val, count, side, vgen)
        pack[f"val_{model_id}"] = (torch.round(patches * 255).to(torch.uint8), vgen.get_state())
    return pack


def load_pack(path: str, model_id: str) -> tuple[list[np.ndarray], torch.Tensor, torch.Tensor]:
    """(training crops as HxWx3 uint8 arrays, validation patches [N,3,S,S] in [0,1], the
    validation generator's state after drawing them)."""
    pack = torch.load(path)
    crops = [c.numpy() for c in pack["train"]]
    val, state = pack[f"val_{model_id}"]
    return crops, val.float() / 255.0, state


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=float, default=48)
    args = ap.parse_args()
    pack = make_pack(args.mib)
    out = DATA_DIR / "pack.pt"
    torch.save(pack, out)
    log(f"{out}: {len(pack['train'])} crops of {CROP}² from {pack['photos']} photographs, {out.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
