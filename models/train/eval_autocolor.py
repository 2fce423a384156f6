"""Auto colour on the held-out test split beside the classic estimators, each tuned on validation.

    /usr/bin/python3 models/train/eval_autocolor.py      (npm run models:eval -- autocolor)

Protocol: every image of a split (area-downscaled in linear light to a long side of at most 512 px,
for speed) gets 100 casts (validation: 30) from the training distribution (train_image.random_log_gains, a fixed
seed per split) and a random exposure (x e^U[-0.5,0.5]); each cast photo is *stored*: multiplied in
linear light, clipped to [0, 1] and rounded to 8-bit sRGB (train_autocolor.store), so highlights
clip as in a real file. Every method sees only that stored photo. Error: the angle between the
true cast and the estimated illuminant (degrees); median, mean and the mean of the worst 25 %.

Classic methods (van de Weijer's framework; parameters chosen by the median error on the
validation split, then reported on the test split):
- gray-world (the mean); white-patch as the max and as a per-channel percentile (q and whether
  clipped pixels are skipped, tuned); shades-of-grey with p = 6 (the issue's setting) and with p
  tuned; grey-edge: Minkowski p-norm of the first-order Gaussian-derivative magnitude (p and the
  Gaussian's sigma tuned) and second-order grey-edge (Laplacian-of-Gaussian magnitude, tuned).
The networks: the trained v3 (fp32, best validation weights) and the shipped file's weights
dequantized, where checkpoints/ holds them.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F

from autocolor_features import features
from common import CKPT_DIR, SEED, TRAIN_DIR, load_split, log, write_json
from nets import AutoColor
from train_autocolor import store
from train_image import angular_error_deg, random_log_gains, to_linear_small

CASTS = 100
VAL_CASTS = 30  # per validation image, for choosing parameters
CLIP = 0.95


def gauss(x: torch.Tensor, sigma: float, order: int) -> torch.Tensor:
    """[3,H,W] -> per-channel magnitude of the Gaussian derivative of `order` (0, 1 or 2)."""
    r = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    g = torch.exp(-t * t / (2 * sigma * sigma))
    g = g / g.sum()
    d1 = -t / (sigma * sigma) * g
    d2 = (t * t / sigma**4 - 1 / sigma**2) * g
    def sep(kx: torch.Tensor, ky: torch.Tensor) -> torch.Tensor:
        # separable filtering as shifted sums (torch's conv2d is slow here for 1-D kernels)
        h, w = x.shape[-2:]
        px = F.pad(x[None], (r, r, 0, 0), mode="replicate")[0]
        y = sum(float(kx[i]) * px[:, :, i : i + w] for i in range(2 * r + 1))
        py = F.pad(y[None], (0, 0, r, r), mode="replicate")[0]
        return sum(float(ky[i]) * py[:, i : i + h, :] for i in range(2 * r + 1))

    if order == 0:
        return sep(g, g)
    if order == 1:
        return (sep(d1, g) ** 2 + sep(g, d1) ** 2).sqrt()
    return (sep(d2, g) ** 2 + sep(g, d2) ** 2 + 2 * sep(d1, d1) ** 2).sqrt()


def mink(v: torch.Tensor, p: float) -> torch.Tensor:
    return v.amax(dim=1) if math.isinf(p) else v.clamp_min(0).pow(p).mean(dim=1).pow(1 / p)


def classic_estimates(photo: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every classic estimator with every candidate parameter, on one stored photo [3,H,W]."""
    flat = photo.reshape(3, -1)
    ok = photo.amax(dim=0).reshape(-1) < CLIP
    vflat = flat[:, ok] if int(ok.sum()) >= 16 else flat
    out = {"gray-world": flat.mean(dim=1), "white-patch (max-RGB)": flat.amax(dim=1)}
    for skip in (False, True):
        src = (vflat if skip else flat).sort(dim=1).values
        n = src.shape[1]
        for q in (90.0, 95.0, 97.0, 98.0, 99.0, 99.5, 99.8, 99.9, 100.0):
            out[f"white-patch (percentile {q}{', clipped skipped' if skip else ''})"] = src[:, min(n - 1, int(q / 100 * (n - 1) + 0.5))]
    for p in (2, 4, 6, 8, 12, 16):
        out[f"shades-of-grey (p {p})"] = mink(vflat, p)
    for order, sigma in itertools.product((1, 2), (1.0, 2.0, 3.0)):
        mag = gauss(photo, sigma, order)
        okm = F.max_pool2d((photo.amax(dim=0) >= CLIP).float()[None, None], 2 * int(math.ceil(sigma)) + 1, 1, int(math.ceil(sigma)))[0, 0] < 0.5
        m = mag.reshape(3, -1)[:, okm.reshape(-1)] if int(okm.sum()) >= 16 else mag.reshape(3, -1)
        for p in (1, 2, 6, math.inf):
            out[f"grey-edge (order {order}, p {p}, sigma {sigma:g})"] = mink(m, p)
    return out


def family(name: str) -> str:
    return name.split(" (")[0] if not name.startswith("white-patch (percentile") else "white-patch (percentile)"


def run_split(split: str, nets: dict[str, torch.nn.Module]) -> dict[str, torch.Tensor]:
    images = to_linear_small(load_split(split), 512)
    gen = torch.Generator().manual_seed(SEED + (70 if split == "test" else 71))
    errs: dict[str, list[torch.Tensor]] = {}
    casts = CASTS if split == "test" else VAL_CASTS
    for img in images:
        logg = random_log_gains(casts, gen)
        cast = logg.exp()
        exposure = torch.exp((torch.rand(casts, generator=gen) * 2 - 1) * 0.5)
        photos = store(img[None], cast * exposure[:, None])
        per: dict[str, list[torch.Tensor]] = {"no correction": [torch.ones(3)] * casts}
        feats = []
        for ph in photos:
            for k, v in classic_estimates(ph).items():
                per.setdefault(k, []).append(v)
            feats.append(features(ph))
        x = torch.stack(feats)
        with torch.no_grad():
            for k, net in nets.items():
                per[k] = list(1 / net(x).clamp_min(1e-3))
        for k, v in per.items():
            errs.setdefault(k, []).append(angular_error_deg(torch.stack(v), cast))
    return {k: torch.cat(v) for k, v in errs.items()}


def summary(e: torch.Tensor) -> dict:
    return {
        "median_deg": round(e.median().item(), 3),
        "mean_deg": round(e.mean().item(), 3),
        "worst25_deg": round(e.sort().values[int(0.75 * e.numel()) :].mean().item(), 3),
    }


def load_nets() -> dict[str, torch.nn.Module]:
    nets: dict[str, torch.nn.Module] = {}
    for label, path in (
        ("network v3 fp32", CKPT_DIR / "autocolor3.best.pt"),
        ("network v3 shipped (model.onnx: 4-bit fc, int8 conv)", CKPT_DIR / "autocolor.model.onnx.dequantized.pt"),
    ):
        if path.exists():
            net = AutoColor(normalise=False)
            ck = torch.load(path)
            net.load_state_dict(ck["model"] if "model" in ck else ck)
            nets[label] = net.eval()
    return nets


def main() -> dict:
    nets = load_nets()
    log("autocolor: validation split (choosing each classic method's parameters)")
    val = run_split("val", nets)
    chosen: dict[str, str] = {}
    for k, e in val.items():
        f = family(k)
        if k in nets or f in ("no correction", "gray-world", "white-patch (max-RGB)"):
            continue
        if f not in chosen or e.median() < val[chosen[f]].median():
            chosen[f] = k
    log("autocolor: test split")
    test = run_split("test", nets)
    keep = ["no correction", "gray-world", "white-patch (max-RGB)", "shades-of-grey (p 6)", *chosen.values(), *nets]
    keep = list(dict.fromkeys(keep))
    rows = {k: summary(test[k]) for k in keep}
    classic = [k for k in keep if k not in nets and k != "no correction"]
    best = min(classic, key=lambda k: rows[k]["median_deg"])
    res = {
        "test_images": len(load_split("test")),
        "casts_per_image": CASTS,
        "protocol": "casts in linear light, clipped and stored as 8-bit sRGB; long side <= 512 px; classic parameters chosen on the validation split",
        "metric": "angular error (degrees) between the true cast and the estimated illuminant",
        "rows": rows,
        "best_classic": best,
        "validation_rows": {k: summary(val[k]) for k in keep},
    }
    write_json(TRAIN_DIR / "metrics" / "autocolor.json", res)
    print(f"{'method (test split)':62s} {'median':>7s} {'mean':>7s} {'worst25':>8s}")
    for k, v in rows.items():
        print(f"  {k:60s} {v['median_deg']:7.2f} {v['mean_deg']:7.2f} {v['worst25_deg']:8.2f}")
    print(f"best classic: {best}")
    for k in nets:
        print(f"  {k}: median {rows[k]['median_deg'] / rows[best]['median_deg']:.2f}x the best classic's, worst-25% {rows[k]['worst25_deg']:.2f} vs {rows[best]['worst25_deg']:.2f}")
    return res


if __name__ == "__main__":
    main()
