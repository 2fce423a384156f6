"""Entry point for the npm scripts.

    npm run models:train -- data --install       collect, clean and split the photos (installs the wallpaper packages)
    npm run models:train -- autocolor [--budget S] [--fresh]   view banks, train (resumable), export, manifest
    npm run models:train -- denoise | upscale2x  the same
    npm run models:train -- text [--budget S]    corpus, BPE, train, export (transformers.js layout)
    npm run models:eval [-- autocolor denoise upscale2x text]   test-split metrics vs baselines
    npm run models:train -- export denoise       export a checkpoint (e.g. one a GPU run brought back), manifest, cards
    npm run models:train -- pack                 the crop pack a GPU run carries (models/train/gpu-run.sh)
    npm run models:train -- manifest             rewrite models/manifest.json only

Every step runs Debian's /usr/bin/python3 with one BLAS/torch thread and a fixed seed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = "/usr/bin/python3"
IMAGE = ("autocolor", "denoise", "upscale2x")


def py(script: str, *args: str) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    print(f"$ {PY} models/train/{script} {' '.join(args)}", flush=True)
    subprocess.run([PY, str(HERE / script), *args], check=True, env=env)


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "eval":
        targets = sys.argv[2:] or [*IMAGE, "text"]
        images = [t for t in targets if t in IMAGE]
        if images:
            py("eval_image.py", *images)
        if "text" in targets:
            py("text/eval_text.py")
        py("manifest.py")
        py("cards.py")
        return
    if len(sys.argv) < 3 or sys.argv[1] != "train":
        raise SystemExit(__doc__)
    target, rest = sys.argv[2], sys.argv[3:]
    if target == "data":
        py("collect.py", *rest)
    elif target == "autocolor":
        # v3: views of stored photos made once into banks (cached under data/), then the network.
        py("train_autocolor.py", "bank", "--views", "16000")
        py("train_autocolor.py", "bank", "--views", "32000", "--part", "1")
        py("train_autocolor.py", "train", *rest)
        py("export_image.py", target)
        py("manifest.py")
        py("cards.py")
    elif target in IMAGE:
        py("train_image.py", target, *rest)
        py("export_image.py", target)
        py("manifest.py")
        py("cards.py")
    elif target == "text":
        py("text/prep_corpus.py")
        py("text/bpe.py", "4096")
        py("text/train_text.py", *rest)
        py("text/export_text.py")
        py("manifest.py")
        py("cards.py")
    elif target == "export" and rest and rest[0] in IMAGE:
        py("export_image.py", rest[0])
        py("manifest.py")
        py("cards.py")
    elif target == "pack":
        py("pack.py", *rest)
    elif target == "manifest":
        py("manifest.py")
        py("cards.py")
    else:
        raise SystemExit(f"unknown target {target!r}\n{__doc__}")


if __name__ == "__main__":
    main()
