"""Collect, clean and split the photo dataset from Debian wallpaper packages.

    /usr/bin/python3 models/train/collect.py [--install]

1. (optionally) `apt-get install` the packages below;
2. list every JPEG/PNG/WebP each package installs (`dpkg -L`) and record the package's licence
   from /usr/share/doc/<pkg>/copyright;
3. clean: drop images smaller than 640 px on the short side, non-photographs (flat or few-colour
   renders: under 500 distinct 5-bit colours or mean |Laplacian| under 2 at 256 px) and duplicates (the same wallpaper
   shipped at many resolutions, or a light/dark pair: 16x16 difference hash within 24 of 256 bits);
4. resize to at most 1024 px on the long side (Lanczos, in sRGB) and split 80/10/10 by *wallpaper*
   (all variants of one wallpaper land in the same split) with a fixed seed.

Writes models/train/data/images/{train,val,test}/*.png (not committed) and
models/train/data-sources.json (committed: every kept file with its package, licence and split).
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from common import IMAGES_DIR, SEED, TRAIN_DIR, log, write_json

Image.MAX_IMAGE_PIXELS = None

PACKAGES = [
    "gnome-backgrounds",
    "mate-backgrounds",
    "plasma-workspace-wallpapers",
    "ukui-wallpapers",
    "lomiri-wallpapers-20.04",
    "lomiri-wallpapers-16.04",
]
MIN_SIDE = 640
MAX_SIDE = 1024
SPLIT = {"train": 0.8, "val": 0.1, "test": 0.1}


def package_licence(pkg: str) -> str:
    path = Path(f"/usr/share/doc/{pkg}/copyright")
    if not path.exists():
        return "unknown"
    licences = []
    text = path.read_text(errors="replace")
    for m in re.finditer(r"^License:\s*(.+)$", text, re.M):
        name = m.group(1).strip()
        if name not in licences:
            licences.append(name)
    # Older free-form copyright files (gnome-backgrounds): "Licensed under Creative Commons ...".
    for m in re.finditer(r"Licensed under (?:the )?(.+?)(?: License)?\.\s*$", text, re.M):
        name = m.group(1).strip()
        if name not in licences:
            licences.append(name)
    if "GNU General Public License" in text and not any("GPL" in name for name in licences):
        licences.append("GPL-2+ (package)")
    return " / ".join(licences) or "unknown"


def package_files(pkg: str) -> list[Path]:
    try:
        out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True).stdout
    except subprocess.CalledProcessError:
        return []
    return [
        Path(p)
        for p in out.splitlines()
        if re.search(r"\.(jpe?g|png|webp)$", p, re.I) and "screenshot" not in p.lower() and Path(p).is_file()
    ]


def group_key(path: Path) -> str:
    """One key per wallpaper: Plasma packs (Name/contents/images*/WxH.jpg) share their folder."""
    parts = path.parts
    if "contents" in parts:
        return "/".join(parts[: parts.index("contents")])
    return str(path.with_suffix("")).replace("-dark", "").replace("-light", "").replace("-l", "")


def dhash(img: Image.Image) -> np.ndarray:
    g = np.asarray(img.convert("L").resize((17, 16), Image.BILINEAR), dtype=np.float32)
    return (g[:, 1:] > g[:, :-1]).reshape(-1)


def photo_score(img: Image.Image) -> tuple[int, float]:
    """(distinct 5-bit colours in a 256 px copy, mean |Laplacian| of its luma)."""
    small = np.asarray(img.convert("RGB").resize((256, 256), Image.BOX), dtype=np.int32)
    q = (small >> 3)
    colours = len(np.unique(q[..., 0] * 1024 + q[..., 1] * 32 + q[..., 2]))
    luma = small.mean(axis=2).astype(np.float32)
    lap = np.abs(4 * luma[1:-1, 1:-1] - luma[:-2, 1:-1] - luma[2:, 1:-1] - luma[1:-1, :-2] - luma[1:-1, 2:])
    return colours, float(lap.mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--install", action="store_true", help="apt-get install the packages first")
    args = ap.parse_args()
    if args.install:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], check=True)

    candidates = []
    for pkg in PACKAGES:
        files = package_files(pkg)
        lic = package_licence(pkg)
        log(f"{pkg}: {len(files)} image files, licence {lic}")
        for f in files:
            candidates.append((pkg, lic, f))

    kept: list[dict] = []
    dropped: dict[str, int] = {"small": 0, "not-photo": 0, "duplicate": 0, "unreadable": 0}
    hashes: list[tuple[np.ndarray, int]] = []
    # Largest files first, so the kept copy of a duplicated wallpaper is the biggest one.
    candidates.sort(key=lambda c: -c[2].stat().st_size)
    for pkg, lic, f in candidates:
        try:
            with Image.open(f) as im:
                im.load()
                img = im.convert("RGB")
        except Exception:
            dropped["unreadable"] += 1
            continue
        if min(img.size) < MIN_SIDE:
            dropped["small"] += 1
            continue
        colours, texture = photo_score(img)
        if colours < 500 or texture < 2.0:
            dropped["not-photo"] += 1
            continue
        h = dhash(img)
        if any((h != other).sum() <= 24 for other, _ in hashes):
            dropped["duplicate"] += 1
            continue
        hashes.append((h, len(kept)))
        kept.append(
            {
                "source": str(f),
                "package": pkg,
                "licence": lic,
                "group": group_key(f),
                "width": img.size[0],
                "height": img.size[1],
                "colours": colours,
                "texture": round(texture, 2),
            }
        )
    log(f"kept {len(kept)}, dropped {dropped}")

    groups = sorted({k["group"] for k in kept})
    rng = random.Random(SEED)
    rng.shuffle(groups)
    n = len(groups)
    n_test = max(1, round(n * SPLIT["test"]))
    n_val = max(1, round(n * SPLIT["val"]))
    split_of = {g: "test" for g in groups[:n_test]}
    split_of.update({g: "val" for g in groups[n_test : n_test + n_val]})
    split_of.update({g: "train" for g in groups[n_test + n_val :]})

    for split in SPLIT:
        d = IMAGES_DIR / split
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("*.png"):
            old.unlink()
    for i, k in enumerate(sorted(kept, key=lambda k: k["source"])):
        k["split"] = split_of[k["group"]]
        name = f"{i:04d}-{k['package']}-{Path(k['source']).stem}"[:80] + ".png"
        k["file"] = f"{k['split']}/{name}"
        with Image.open(k["source"]) as im:
            img = im.convert("RGB")
        scale = MAX_SIDE / max(img.size)
        if scale < 1:
            img = img.resize((round(img.size[0] * scale), round(img.size[1] * scale)), Image.LANCZOS)
        img.save(IMAGES_DIR / k["file"])

    counts = {s: sum(1 for k in kept if k["split"] == s) for s in SPLIT}
    licences = {}
    for k in kept:
        licences.setdefault(k["package"], k["licence"])
    write_json(
        TRAIN_DIR / "data-sources.json",
        {
            "description": "Photographs from Debian wallpaper packages, cleaned and split by collect.py",
            "seed": SEED,
            "packages": {p: {"licence": package_licence(p), "copyright": f"/usr/share/doc/{p}/copyright"} for p in PACKAGES},
            "dropped": dropped,
            "counts": counts,
            "images": sorted(kept, key=lambda k: k["file"]),
        },
    )
    log(f"split {counts}")


if __name__ == "__main__":
    main()
