"""Evaluate the image models on the held-out test split, beside classic baselines, in one run.

    /usr/bin/python3 models/train/eval_image.py [autocolor] [denoise] [upscale2x]

- autocolor: see eval_autocolor.py (stored, clipped 8-bit casts; classic estimators tuned on the
  validation split).
- denoise: a clean photo, Gaussian noise sigma 5/10/15/25/50 (of 255) and Poisson-Gaussian noise on
  512x512 centre crops, stored as 8 bits; PSNR/SSIM of the noisy input, Gaussian blur, TV (Chambolle),
  wavelet shrinkage (BayesShrink) and non-local means (scikit-image), each at its parameter chosen
  on the validation split per level, and the networks (Auto sigma and, for Gaussian noise, sigma given).
- upscale2x: 512x512 centre crops downscaled 2x by area averaging and by antialiased bicubic, stored
  as 8 bits, upscaled back; bicubic and Lanczos (Pillow) vs the network; PSNR (RGB, luma) and SSIM.
Writes models/train/metrics/<id>.json (committed; copied into the manifest).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
import torch.nn.functional as F

from common import CKPT_DIR, MODELS_DIR, SEED, TRAIN_DIR, estimate_sigma, load_split, log, onnx_state_dict, write_json
from export_image import load_trained
from nets import build
from train_image import add_noise, poisson_gaussian

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
    """PSNR in dB for data range 1, capped at 100 dB (identical images)."""
    return 10 * math.log10(1 / max(F.mse_loss(a, b).item(), 1e-10))


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


# ---------------------------------------------------------------------------------------------
# Denoise: every classic baseline at its best parameter (chosen on the validation split, per noise
# level), then the networks, on the same noisy test crops.

NOISE_LEVELS: list[tuple[str, str, float | None]] = [
    # (key, words, Gaussian sigma of 255 or None for Poisson-Gaussian)
    ("sigma0", "clean photo (σ 0)", 0.0),
    ("sigma5", "σ 5", 5.0),
    ("sigma10", "σ 10", 10.0),
    ("sigma15", "σ 15", 15.0),
    ("sigma25", "σ 25", 25.0),
    ("sigma50", "σ 50", 50.0),
    ("poisson", "Poisson–Gaussian (100 photons at white, read σ 2)", None),
]
PG_PEAK, PG_READ = 100.0, 2.0


def to_np(x: torch.Tensor) -> np.ndarray:
    return x[0].permute(1, 2, 0).numpy().astype(np.float64)


def to_t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).permute(2, 0, 1)[None].clamp(0, 1)


def make_noisy(clean: torch.Tensor, gen: torch.Generator, sigma: float | None) -> torch.Tensor:
    if sigma is None:
        return poisson_gaussian(clean, gen, PG_PEAK, PG_READ / 255.0)
    return add_noise(clean, gen, sigma)


def classic_methods() -> dict[str, tuple[str, list, object]]:
    """name -> (parameter words, grid, f(noisy np, sigma01, param) -> np). A parameter of None
    leaves the input as it is, so a tuned classic is never worse than doing nothing on validation.
    sigma01 is the true sigma (Gaussian) or the Auto estimate (Poisson-Gaussian)."""
    from skimage import restoration

    def gauss(n, s, p):
        return to_np(blur(to_t(n), p))

    def tv(n, s, p):
        return restoration.denoise_tv_chambolle(n, weight=p, channel_axis=-1)

    def wavelet(n, s, p):
        return restoration.denoise_wavelet(
            n, sigma=max(s * p, 1e-6), method="BayesShrink", mode="soft", channel_axis=-1, convert2ycbcr=True, rescale_sigma=True
        )

    def nlm(n, s, p):
        s = max(s, 1e-4)
        return restoration.denoise_nl_means(n, h=p * s, sigma=s, patch_size=5, patch_distance=6, fast_mode=True, channel_axis=-1)

    return {
        "Gaussian blur": ("σ", [None, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0], gauss),
        "TV (Chambolle)": ("weight", [None, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.14, 0.2, 0.3], tv),
        "wavelet (BayesShrink)": ("σ ×", [None, 0.5, 0.75, 1.0, 1.25, 1.5], wavelet),
        "non-local means": ("h / σ", [None, 0.4, 0.6, 0.8, 1.0, 1.2], nlm),
    }


def run_classic(f, noisy: torch.Tensor, sigma01: float, p) -> torch.Tensor:
    if p is None:
        return noisy
    return to_t(f(to_np(noisy), sigma01, p))


def eval_denoise() -> dict:
    test = centre_crops(load_split("test"), 512)
    val = centre_crops(load_split("val"), 256)
    networks = denoise_networks()
    methods = classic_methods()
    out = {}
    for li, (key, words, sigma) in enumerate(NOISE_LEVELS):
        gen = torch.Generator().manual_seed(SEED + 1000 + li)
        vnoisy = [make_noisy(v, gen, sigma) for v in val]
        vsig = [sigma / 255 if sigma is not None else float(estimate_sigma(n)) for n in vnoisy]
        rows: dict[str, dict] = {}
        tests = [(c, make_noisy(c, gen, sigma)) for c in test]
        rows["noisy input"] = score([(n, c) for c, n in tests])
        for name, (pword, grid, f) in methods.items():
            best = max(grid, key=lambda p: np.mean([psnr(run_classic(f, n, s, p), v) for n, s, v in zip(vnoisy, vsig, val)]))
            label = f"{name} ({pword} {best})" if best is not None else f"{name} (best on validation: unchanged)"
            pairs = []
            for c, n in tests:
                s = sigma / 255 if sigma is not None else float(estimate_sigma(n))
                pairs.append((run_classic(f, n, s, best), c))
            rows[label] = {**score(pairs), "classic": True}
        for name, net in networks.items():
            with torch.no_grad():
                if getattr(net, "sigma_input", False):
                    rows[f"{name}, Auto σ"] = score([(net(n, estimate_sigma(n)), c) for c, n in tests])
                    if sigma is not None:
                        given = torch.full((1, 1, 1, 1), sigma / 255)
                        rows[f"{name}, σ given"] = score([(net(n, given), c) for c, n in tests])
                else:
                    rows[name] = score([(net(n), c) for c, n in tests])
        out[key] = {"words": words, "rows": rows}
        log(f"denoise {words}: " + ", ".join(f"{k} {v['psnr_db']}" for k, v in rows.items()))
    return {
        "test_images": len(test),
        "crop": 512,
        "protocol": "noise on 512x512 centre crops, clipped and rounded to 8 bits; each classic method's parameter "
        "chosen per level on 256x256 validation crops (true sigma given where a method takes one; the Auto "
        "estimate for Poisson-Gaussian); networks fed the app's Auto estimate and, for Gaussian noise, the true sigma",
        "levels": out,
    }


def score(pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> dict:
    q = [(torch.round(y.clamp(0, 1) * 255) / 255, c) for y, c in pairs]  # what a stored image holds
    return {
        "psnr_db": round(float(np.mean([psnr(y, c) for y, c in q])), 3),
        "ssim": round(float(np.mean([ssim(y, c) for y, c in q])), 4),
    }


def denoise_networks() -> dict[str, torch.nn.Module]:
    """The shipped model (v1 blind, v2 with sigma or v3, v2 narrowed: told apart by their first
    convolution), the previous ones and a trained candidate."""
    from nets import Denoise

    def make(sd: dict) -> torch.nn.Module:
        w = sd["body.0.weight"]
        return Denoise(channels=w.shape[0], sigma_input=w.shape[1] == 4)

    return networks("denoise", make, ", blind")


def networks(model_id: str, make, v1_words: str = "") -> dict[str, torch.nn.Module]:
    """The shipped model (models/<id>/model.onnx; `make(state dict)` builds its net), the previous
    models (checkpoints/<id>.v1.pt, .v2.pt ...) and a checkpoint's weights when they are not the
    shipped ones."""
    shipped = onnx_state_dict(MODELS_DIR / model_id / "model.onnx")
    net = make(shipped)
    net.load_state_dict(shipped)
    v1 = is_v1(model_id, shipped)
    nets = {f"network v1 (shipped model.onnx{v1_words})" if v1 else "network (shipped model.onnx)": net.eval()}
    for path in [] if v1 else sorted(CKPT_DIR.glob(f"{model_id}.v[0-9].pt")):
        version = path.stem.rsplit(".v", 1)[1]
        old = torch.load(path)["model"]
        prev = make(old)
        prev.load_state_dict(old)
        if not same_weights(prev, net):
            words = v1_words if version == "1" else ""
            nets[f"network v{version} (the previous model{words})"] = prev.eval()
    if (CKPT_DIR / f"{model_id}.best.pt").exists():
        cand = load_trained(model_id)
        if not same_weights(cand, net):
            nets["network (checkpoint, not shipped)"] = cand
    return nets


def is_v1(model_id: str, sd: dict) -> bool:
    if model_id == "denoise":
        return sd["body.0.weight"].shape[1] == 3  # blind: no sigma channel
    return sd["skip.weight"].shape[-1] == 1  # upscale2x v1: a 1x1 skip


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(sa[k].shape == sb[k].shape and torch.allclose(sa[k], sb[k]) for k in sa)


# ---------------------------------------------------------------------------------------------
# Upscale 2x: LR by 2x2 area average and by antialiased bicubic, both stored as 8 bits.


def rgb_psnr_luma(y: torch.Tensor, c: torch.Tensor) -> float:
    w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    return psnr((y * w).sum(1, keepdim=True), (c * w).sum(1, keepdim=True))


def pil_resize(lr: torch.Tensor, kind: str) -> torch.Tensor:
    from PIL import Image

    a = (lr[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    h, w = a.shape[:2]
    filt = {"bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}[kind]
    up = Image.fromarray(a).resize((w * 2, h * 2), filt)
    return torch.from_numpy(np.array(up)).permute(2, 0, 1).float()[None] / 255.0


def eval_upscale() -> dict:
    test = centre_crops(load_split("test"), 512)
    networks = upscale_networks()
    b = 4  # ignore a 4-pixel border
    out = {}
    for kind, words in (("area", "LR by 2×2 area average"), ("bicubic-aa", "LR by antialiased bicubic")):
        rows: dict[str, list[tuple[float, float, float]]] = {"bicubic": [], "Lanczos": [], **{k: [] for k in networks}}
        for hr in test:
            if kind == "area":
                lr = F.avg_pool2d(hr, 2)
            else:
                lr = F.interpolate(hr, scale_factor=0.5, mode="bicubic", antialias=True, align_corners=False)
            lr = torch.round(lr.clamp(0, 1) * 255) / 255
            with torch.no_grad():
                ys = (
                    pil_resize(lr, "bicubic"),
                    pil_resize(lr, "lanczos"),
                    *(torch.round(net(lr) * 255) / 255 for net in networks.values()),
                )
            for k, y in zip(rows, ys):
                yy, cc = y[..., b:-b, b:-b], hr[..., b:-b, b:-b]
                rows[k].append((psnr(yy, cc), rgb_psnr_luma(yy, cc), ssim(yy, cc)))
        out[kind] = {
            "words": words,
            "rows": {
                k: {
                    "psnr_db": round(float(np.mean([r[0] for r in v])), 3),
                    "psnr_luma_db": round(float(np.mean([r[1] for r in v])), 3),
                    "ssim": round(float(np.mean([r[2] for r in v])), 4),
                }
                for k, v in rows.items()
            },
        }
        log(f"upscale2x {words}: " + ", ".join(f"{k} {v['psnr_db']}" for k, v in out[kind]["rows"].items()))
    return {
        "test_images": len(test),
        "crop": 512,
        "protocol": "512x512 centre crops downscaled 2x (area or antialiased bicubic), rounded to 8 bits, upscaled "
        "back and rounded to 8 bits; a 4-pixel border ignored; luma = 0.299 R + 0.587 G + 0.114 B of sRGB",
        "lr_kinds": out,
    }


def upscale_networks() -> dict[str, torch.nn.Module]:
    """The shipped model (v1 or v2, told apart by its skip), the previous one and a candidate."""
    from nets import Upscale2x

    return networks("upscale2x", lambda sd: Upscale2x.v1() if is_v1("upscale2x", sd) else Upscale2x())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=["autocolor", "denoise", "upscale2x"])
    args = ap.parse_args()
    fns = {"denoise": eval_denoise, "upscale2x": eval_upscale}
    if "autocolor" in args.models:
        import eval_autocolor

        eval_autocolor.main()
    for m in [m for m in args.models if m != "autocolor"]:
        res = fns[m]()
        write_json(METRICS_DIR / f"{m}.json", res)
        print_tables(m, res)


def print_tables(model_id: str, res: dict) -> None:
    """The side-by-side tables, with the best classic and each network's margin over it."""
    groups = res.get("levels") or res.get("lr_kinds") or {}
    for g in groups.values():
        print(f"\n{model_id}: {g['words']} ({res['test_images']} test images)")
        rows = g["rows"]
        for k, v in rows.items():
            extra = f"  luma {v['psnr_luma_db']:.2f}" if "psnr_luma_db" in v else ""
            print(f"  {k:60s} PSNR {v['psnr_db']:6.2f}{extra}  SSIM {v['ssim']:.4f}")
        best = best_classic(model_id, rows)
        if best:
            for k, v in rows.items():
                if k.startswith("network"):
                    print(f"  {k} vs {best[0]}: {v['psnr_db'] - best[1]['psnr_db']:+.2f} dB")


def best_classic(model_id: str, rows: dict) -> tuple[str, dict] | None:
    cands = [(k, v) for k, v in rows.items() if v.get("classic") or (model_id == "upscale2x" and not k.startswith("network"))]
    return max(cands, key=lambda kv: kv[1]["psnr_db"]) if cands else None


if __name__ == "__main__":
    main()
