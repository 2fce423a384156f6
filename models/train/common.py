"""Shared helpers for Atelier's model pipeline: paths, seeds, colour transfer functions, data loading.

Everything here runs on Debian's python3-torch / python3-numpy / python3-pil, on one CPU thread.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

TRAIN_DIR = Path(__file__).resolve().parent
MODELS_DIR = TRAIN_DIR.parent
DATA_DIR = TRAIN_DIR / "data"
IMAGES_DIR = DATA_DIR / "images"
CKPT_DIR = Path(os.environ.get("ATELIER_CKPT_DIR") or TRAIN_DIR / "checkpoints")  # override: tests, a GPU run
LOG_DIR = TRAIN_DIR / "logs"
FIXTURES_DIR = TRAIN_DIR / "fixtures"
SEED = 20260127
OPSET = 17


def seed_everything(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def srgb_to_linear(x: np.ndarray | torch.Tensor):
    """IEC 61966-2-1 decoding, values in [0, 1]."""
    if isinstance(x, torch.Tensor):
        return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray | torch.Tensor):
    if isinstance(x, torch.Tensor):
        x = x.clamp(0, 1)
        return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp_min(1e-12) ** (1 / 2.4) - 0.055)
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.maximum(x, 1e-12) ** (1 / 2.4) - 0.055)


def load_split(split: str, limit: int | None = None) -> list[np.ndarray]:
    """The cleaned images of one split as uint8 HxWx3 arrays (sRGB), sorted by name."""
    from PIL import Image

    files = sorted((IMAGES_DIR / split).glob("*.png"))
    if not files:
        raise SystemExit(f"no images in {IMAGES_DIR / split}: run `npm run models:train -- data --install` first")
    out = []
    for f in files[:limit]:
        with Image.open(f) as im:
            out.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
    return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


class Budget:
    """Wall-clock budget for a training loop that resumes from checkpoints."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start = time.time()

    def elapsed(self) -> float:
        return time.time() - self.start

    def done(self) -> bool:
        return self.elapsed() >= self.seconds


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def estimate_sigma(x: torch.Tensor) -> torch.Tensor:
    """The app's Auto noise level (src/shared/effects/noise.ts `estimateSigma`), per image of x
    [N,3,H,W] (sRGB in [0,1]) -> [N,1,1,1] as a fraction of full range.

    Per channel, over the 2x2 blocks (a b / c d) whose origin is even, HH = (a - b - c + d) / 2;
    sigma_c = median(|HH|) / 0.6745 (torch's median: the lower middle value); sigma = the mean of
    the three channels."""
    h, w = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
    x = x[..., :h, :w]
    hh = (x[..., 0::2, 0::2] - x[..., 0::2, 1::2] - x[..., 1::2, 0::2] + x[..., 1::2, 1::2]) / 2
    med = hh.abs().flatten(2).median(dim=2).values / 0.6745
    return med.mean(dim=1).view(-1, 1, 1, 1)


def onnx_state_dict(path: Path) -> dict:
    """The weights of a shipped fp32 ONNX file (initialisers named as the PyTorch state dict)."""
    import onnx
    from onnx import numpy_helper

    g = onnx.load(str(path)).graph
    return {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
