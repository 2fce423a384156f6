"""Evaluate the image models on the held-out test split, beside classic baselines, in one run.

    /usr/bin/python3 models/train/eval_image.py [autocolor] [denoise] [upscale2x]

- autocolor: see eval_autocolor.py (stored, clipped 8-bit casts; classic estimators tuned on the
  validation split).
- denoise: Gaussian noise sigma 15/25/50 (of 255) on 512x512 centre crops; PSNR/SSIM of the noisy
  input, the best Gaussian blur (its sigma chosen on the validation split) and the network.
- upscale2x: 512x512 centre crops area-downscaled to 256x256, upscaled back; bicubic vs the network.
Writes models/train/metrics/<id>.json (committed; copied into the manifest).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from collect import PACKAGES as WALLPAPER_PACKAGES
from common import CKPT_DIR, IMAGES_DIR, SEED, TRAIN_DIR, load_split, log, write_json
from export_image import load_trained
from nets import build
from train_image import add_noise, angular_error_deg, random_log_gains, to_linear_small

METRICS_DIR = TRAIN_DIR / "metrics"


def gaussian_kernel(sigma: float, radius: int | None = None) -> torch.Tensor:
    r = radius if radius is not None else max(1, math.ceil(3 * sigma))
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    k = gaussian_kernel(sigma)
    r = k.numel() // 2
    c = x.shape[1]
    x = F.pad(x, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return 10 * math.log10(1 / F.mse_loss(a, b).item())


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean SSIM over RGB channels, 11x11 Gaussian window (sigma 1.5), data range 1."""
    k = gaussian_kernel(1.5, 5)
    win = (k[:, None] * k[None, :]).view(1, 1, 11, 11).repeat(3, 1, 1, 1)
    f = lambda t: F.conv2d(t, win, groups=3)  # noqa: E731
    c1, c2 = 0.01**2, 0.03**2
    mu_a, mu_b = f(a), f(b)
    saa = f(a * a) - mu_a**2
    sbb = f(b * b) - mu_b**2
    sab = f(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))
    return s.mean().item()


def centre_crops(images: list[np.ndarray], size: int) -> list[torch.Tensor]:
    out = []
    for im in images:
        h, w, _ = im.shape
        s = min(size, h, w) // 4 * 4
        y, x = (h - s) // 2, (w - s) // 2
        out.append(torch.from_numpy(np.ascontiguousarray(im[y : y + s, x : x + s])).permute(2, 0, 1).float()[None] / 255.0)
    return out


def summary(errors: torch.Tensor) -> dict:
    e = errors.flatten()
    return {
        "median_deg": round(e.median().item(), 3),
        "mean_deg": round(e.mean().item(), 3),
        "worst25_deg": round(e.sort().values[int(0.75 * e.numel()) :].mean().item(), 3),
    }


def eval_denoise() -> dict:
    test = centre_crops(load_split("test"), 512)
    val = centre_crops(load_split("val"), 256)
    model = load_trained("denoise")
    sigmas_blur = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]
    out = {}
    for sigma in (15, 25, 50):
        gen = torch.Generator().manual_seed(SEED + sigma)
        vnoisy = [add_noise(v, gen, sigma) for v in val]
        best = max(sigmas_blur, key=lambda s: np.mean([psnr(blur(n, s), v) for n, v in zip(vnoisy, val)]))
        rows: dict[str, list[tuple[float, float]]] = {"noisy input": [], f"best Gaussian blur (sigma {best})": [], "network": []}
        for clean in test:
            noisy = add_noise(clean, gen, sigma)
            with torch.no_grad():
                den = model(noisy)
            for k, y in zip(rows, (noisy, blur(noisy, best), den)):
                rows[k].append((psnr(y, clean), ssim(y, clean)))
        out[f"sigma{sigma}"] = {
            k: {"psnr_db": round(float(np.mean([r[0] for r in v])), 3), "ssim": round(float(np.mean([r[1] for r in v])), 4)}
            for k, v in rows.items()
        }
    return {"test_images": len(test), "crop": 512, "rows": out}


def eval_upscale() -> dict:
    test = centre_crops(load_split("test"), 512)
    model = load_trained("upscale2x")
    rows: dict[str, list[tuple[float, float]]] = {"bicubic": [], "nearest": [], "network": []}
    b = 4  # ignore a 4-pixel border
    for hr in test:
        lr = F.avg_pool2d(hr, 2)
        with torch.no_grad():
            ys = (
                F.interpolate(lr, scale_factor=2, mode="bicubic", align_corners=False).clamp(0, 1),
                F.interpolate(lr, scale_factor=2, mode="nearest"),
                model(lr),
            )
        for k, y in zip(rows, ys):
            rows[k].append((psnr(y[..., b:-b, b:-b], hr[..., b:-b, b:-b]), ssim(y[..., b:-b, b:-b], hr[..., b:-b, b:-b])))
    return {
        "test_images": len(test),
        "crop": 512,
        "rows": {
            k: {"psnr_db": round(float(np.mean([r[0] for r in v])), 3), "ssim": round(float(np.mean([r[1] for r in v])), 4)}
            for k, v in rows.items()
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=["autocolor", "denoise", "upscale2x"])
    args = ap.parse_args()
    fns = {"denoise": eval_denoise, "upscale2x": eval_upscale}
    if "autocolor" in args.models:
        import eval_autocolor

        eval_autocolor.main()
    for m in [m for m in args.models if m != "autocolor"]:
        if not (CKPT_DIR / f"{m}.pt").exists():
            log(f"{m}: no checkpoint, skipped (train it first)")
            continue
        res = fns[m]()
        write_json(METRICS_DIR / f"{m}.json", res)
        log(f"{m}:")
        rows = res["rows"]
        for k, v in rows.items():
            print(f"  {k:55s} {v}")


if __name__ == "__main__":
    main()
