"""Collect, clean and split the photo dataset from Debian packages.

    /usr/bin/python3 models/train/collect.py [--install]

1. `apt-get install` the wallpaper packages below with --install (without it, missing packages stop it); the extra photo sources
   (EXTRA: GCompris' photographs, scikit-image and matplotlib sample photos) are fetched with
   `apt-get download` and unpacked with `dpkg -x` under data/pkgs/ (not installed, not committed);
2. list every JPEG/PNG/WebP each wallpaper package installs (`dpkg -L`), the images stored inside
   GCompris' Qt resource bundles (rcc files: walked blob by blob, see rcc_images) and the listed
   sample photos; record each package's licence from its copyright file;
3. clean: drop images smaller than 640 px (extra sources: 384 px) on the short side, cut-outs
   (extra sources: more than 2% transparent pixels, GCompris' cartoon stickers), non-photographs (flat or few-colour
   renders: under 500 distinct 5-bit colours or mean |Laplacian| under 2 at 256 px) and duplicates (the same wallpaper
   shipped at many resolutions, or a light/dark pair: 16x16 difference hash within 24 of 256 bits);
4. resize to at most 1024 px on the long side (Lanczos, in sRGB) and split 80/10/10 by *wallpaper*
   (all variants of one wallpaper land in the same split) with a fixed seed. The wallpaper packages
   and the extra sources are split separately (each with the fixed seed), so the wallpapers keep
   the split they had before the extra sources were added.

Writes models/train/data/images/{train,val,test}/*.png (not committed) and
models/train/data-sources.json (committed: every kept file with its package, licence and split).
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import random
import re
import struct
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from common import DATA_DIR, IMAGES_DIR, SEED, TRAIN_DIR, log, write_json

Image.MAX_IMAGE_PIXELS = None

PACKAGES = [
    "gnome-backgrounds",
    "mate-backgrounds",
    "plasma-workspace-wallpapers",
    "ukui-wallpapers",
    "lomiri-wallpapers-20.04",
    "lomiri-wallpapers-16.04",
]
# Extra photo sources, unpacked (not installed) under data/pkgs/<package>/.
EXTRA: dict[str, dict] = {
    # GCompris activities ship real photographs (monuments, animals, objects, instruments, the
    # "lang" vocabulary) inside Qt resource bundles; their cartoons are RGBA cut-outs (dropped).
    "gcompris-qt-data": {
        "rcc": "usr/share/gcompris-qt/rcc",
        "note": "per-image licence from the copyright file's Files stanzas (extension-agnostic: the "
        "bundles hold .webp conversions of the listed sources); unmatched files fall back to Files: * (GPL-3+)",
    },
    # Sample photographs (not the synthetic or microscopy ones).
    "python3-skimage": {
        # skimage/data/_fetchers.py: astronaut and rocket NASA (public domain), coffee CC0 (Rachel
        # Michetti), motorcycle Middlebury stereo set; the package itself is BSD-3-Clause.
        "licence": "BSD-3-Clause (package); photos public domain / CC0 per skimage/data/_fetchers.py",
        "files": [
            f"usr/lib/python3/dist-packages/skimage/data/{n}"
            for n in ("astronaut.png", "coffee.png", "rocket.jpg", "motorcycle_left.png")
        ]
    },
    "python-matplotlib-data": {
        # Grace Hopper's portrait (U.S. Navy, public domain), shipped under the package's Files: *.
        "licence": "PSF-based matplotlib licence (Files: *); photo public domain (U.S. Navy)",
        "files": ["usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"],
    },
}
PKG_DIR = DATA_DIR / "pkgs"
MIN_SIDE = 640
MIN_SIDE_EXTRA = 384
MAX_SIDE = 1024
SPLIT = {"train": 0.8, "val": 0.1, "test": 0.1}


def copyright_path(pkg: str) -> Path:
    if pkg in EXTRA:
        return PKG_DIR / pkg / "usr/share/doc" / pkg / "copyright"
    return Path(f"/usr/share/doc/{pkg}/copyright")


def package_licence(pkg: str) -> str:
    path = copyright_path(pkg)
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


def fetch_extra(pkg: str) -> Path:
    """apt-get download + dpkg -x into data/pkgs/<pkg> (once)."""
    root = PKG_DIR / pkg
    if (root / "usr/share/doc" / pkg).exists():
        return root
    PKG_DIR.mkdir(parents=True, exist_ok=True)
    for old in PKG_DIR.glob(f"{pkg}_*.deb"):
        old.unlink()
    subprocess.run(["apt-get", "download", pkg], cwd=PKG_DIR, check=True)
    (deb,) = PKG_DIR.glob(f"{pkg}_*.deb")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    deb.unlink()
    return root


def rcc_images(path: Path) -> list[tuple[str, bytes]]:
    """(resource path, bytes) of every JPEG/PNG/WebP in a Qt resource bundle.

    Format 2/3: 'qres', version, then big-endian u32 offsets of the tree, data and names sections.
    Tree nodes are 22 bytes: name offset u32, flags u16, then for a directory child count u32 and
    first child u32, for a file country u16, language u16 and data offset u32; then mtime u64.
    Names: u16 length, u32 hash, UTF-16BE. Data: u32 length + payload (images are stored
    uncompressed by rcc, so the payload is the file itself)."""
    b = path.read_bytes()
    if b[:4] != b"qres":
        return []
    _, tree, data, names = struct.unpack(">IIII", b[4:20])

    def name(off: int) -> str:
        (n,) = struct.unpack(">H", b[names + off : names + off + 2])
        return b[names + off + 6 : names + off + 6 + 2 * n].decode("utf-16-be")

    out: list[tuple[str, bytes]] = []

    def walk(i: int, prefix: str) -> None:
        p = tree + i * 22
        noff, flags = struct.unpack(">IH", b[p : p + 6])
        here = name(noff) if i else ""
        if flags & 2:  # directory
            count, first = struct.unpack(">II", b[p + 6 : p + 14])
            for j in range(first, first + count):
                walk(j, f"{prefix}{here}/" if i else "/")
            return
        (doff,) = struct.unpack(">I", b[p + 10 : p + 14])
        if flags & 5:  # zlib/zstd-compressed: not an image payload
            return
        (n,) = struct.unpack(">I", b[data + doff : data + doff + 4])
        blob = b[data + doff + 4 : data + doff + 4 + n]
        if blob[:3] == b"\xff\xd8\xff" or blob[:8] == b"\x89PNG\r\n\x1a\n" or blob[8:12] == b"WEBP":
            out.append((prefix + here, blob))

    walk(0, "")
    return out


def dep5_licence(copyright: Path, path: str) -> str | None:
    """The License of the last machine-readable copyright stanza whose Files patterns match path
    (ignoring the extension: GCompris converts its .jpg/.png sources to .webp in the bundles)."""
    stanzas: list[tuple[list[str], str]] = []
    files: list[str] | None = None
    for line in copyright.read_text(errors="replace").splitlines():
        if line.startswith("Files:"):
            files = line[6:].split()
        elif files is not None and line.startswith((" ", "\t")) and line.strip():
            files += line.split()
        elif line.startswith("License:") and files is not None:
            stanzas.append((files, line[8:].strip()))
            files = None
    stem = re.sub(r"\.[a-z0-9]+$", "", path, flags=re.I)
    found = None
    for patterns, lic in stanzas:
        for pat in patterns:
            if fnmatch.fnmatchcase(path, pat) or fnmatch.fnmatchcase(stem, re.sub(r"\.[a-z0-9*]+$", "", pat)):
                found = lic
    return found


def transparent_fraction(im: Image.Image) -> float:
    if im.mode not in ("RGBA", "LA", "PA") and "transparency" not in im.info:
        return 0.0
    a = np.asarray(im.convert("RGBA"))[..., 3]
    return float((a < 250).mean())


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
    missing = [p for p in PACKAGES if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if missing:
        # without them the split differs from data-sources.json and every figure with it
        raise SystemExit(
            f"The wallpaper packages {', '.join(missing)} are not installed, so the photos would not be "
            "the ones the models were trained and measured on. Run `npm run models:train -- data --install` "
            "(as root: it runs apt-get install) or install them yourself."
        )

    # (package, licence, source label, size in bytes, loader)
    candidates: list[tuple[str, str, Path, int, object]] = []
    for pkg in PACKAGES:
        files = package_files(pkg)
        lic = package_licence(pkg)
        log(f"{pkg}: {len(files)} image files, licence {lic}")
        for f in files:
            candidates.append((pkg, lic, f, f.stat().st_size, f))
    for pkg, spec in EXTRA.items():
        root = fetch_extra(pkg)
        lic = spec.get("licence") or package_licence(pkg)
        n0 = len(candidates)
        for rel in spec.get("files", []):
            f = root / rel
            candidates.append((pkg, lic, Path("/") / rel, f.stat().st_size, f))
        if "rcc" in spec:
            for bundle in sorted((root / spec["rcc"]).glob("*.rcc")):
                for name, blob in rcc_images(bundle):
                    # name: /gcompris/src/activities/<activity>/resource/...; licence per file
                    rel = name.split("/gcompris/", 1)[-1]
                    file_lic = dep5_licence(copyright_path(pkg), rel) or lic
                    candidates.append((pkg, file_lic, Path(name), len(blob), blob))
        log(f"{pkg}: {len(candidates) - n0} image files, licence {lic}")

    kept: list[dict] = []
    dropped: dict[str, int] = {"small": 0, "cut-out": 0, "not-photo": 0, "duplicate": 0, "unreadable": 0}
    hashes: list[tuple[np.ndarray, int]] = []
    # Largest files first, so the kept copy of a duplicated wallpaper is the biggest one.
    candidates.sort(key=lambda c: -c[3])
    loaders: dict[str, object] = {}
    for pkg, lic, f, _, src in candidates:
        try:
            with Image.open(io.BytesIO(src) if isinstance(src, bytes) else src) as im:
                im.load()
                cutout = pkg in EXTRA and transparent_fraction(im) > 0.02
                img = im.convert("RGB")
        except Exception:
            dropped["unreadable"] += 1
            continue
        if min(img.size) < (MIN_SIDE_EXTRA if pkg in EXTRA else MIN_SIDE):
            dropped["small"] += 1
            continue
        if cutout:
            dropped["cut-out"] += 1
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
        loaders[str(f)] = src
        kept.append(
            {
                "source": str(f),
                "package": pkg,
                "licence": lic,
                "group": str(f) if pkg in EXTRA else group_key(f),
                "width": img.size[0],
                "height": img.size[1],
                "colours": colours,
                "texture": round(texture, 2),
            }
        )
    log(f"kept {len(kept)}, dropped {dropped}")

    split_of: dict[str, str] = {}
    for seed, subset in ((SEED, [k for k in kept if k["package"] not in EXTRA]), (SEED + 1, [k for k in kept if k["package"] in EXTRA])):
        groups = sorted({k["group"] for k in subset})
        rng = random.Random(seed)
        rng.shuffle(groups)
        n = len(groups)
        n_test = max(1, round(n * SPLIT["test"]))
        n_val = max(1, round(n * SPLIT["val"]))
        split_of.update({g: "test" for g in groups[:n_test]})
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
        src = loaders[k["source"]]
        with Image.open(io.BytesIO(src) if isinstance(src, bytes) else src) as im:
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
            "description": "Photographs from Debian packages (wallpapers, GCompris, sample photos), cleaned and split by collect.py",
            "seed": SEED,
            "packages": {
                p: {
                    "licence": EXTRA.get(p, {}).get("licence") or package_licence(p),
                    "copyright": f"/usr/share/doc/{p}/copyright",
                    **({"note": EXTRA[p]["note"]} if "note" in EXTRA.get(p, {}) else {}),
                }
                for p in [*PACKAGES, *EXTRA]
            },
            "dropped": dropped,
            "counts": counts,
            "images": sorted(kept, key=lambda k: k["file"]),
        },
    )
    log(f"split {counts}")


if __name__ == "__main__":
    main()
