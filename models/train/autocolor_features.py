"""Auto colour v3's input: 64 classic illuminant estimates, as log-chroma, in a 3x8x8 tensor.

The design paper's network reads a 3x8x8 input. v1/v2 filled it with the image area-averaged to
8x8, which throws away the highlights and edges every good classic estimator relies on. v3 fills
each of the 64 cells with one classic estimate of the illuminant colour (a row per family, a
column per parameter), so the network learns how to weigh and correct them:

    row 0  shades of grey (Minkowski mean of the pixels), p = 1 (gray-world), 2, 3, 4, 6, 8, 12, max
    row 1  per-channel percentiles of the pixels: 50, 75, 90, 95, 97.5, 99, 99.5 and the max of
           every pixel, clipped ones included (plain max-RGB)
    row 2  grey-edge: Minkowski mean of the gradient magnitude, p = 1, 2, 3, 4, 6, 8, 12, max
    row 3  the same on the image area-averaged 2x2 further (coarser edges)
    row 4  the mean colour of 8 equal-count brightness bands (darkest to brightest)
    row 5  the mean colour of 8 equal-count saturation bands (greyest to most colourful)
    row 6  the mean colour of 8 horizontal strips (top to bottom), every pixel
    row 7  shades of grey p = 8 in the same 8 strips

Every estimate v (r, g, b) becomes log-chroma: log(max(v, 1e-4)) minus its mean over the three
channels, clamped to [-4, 4]. A colour cast (per-channel gains) then *adds* the same vector to
every cell, which is what the network has to find. Estimates skip clipped pixels (any channel at
or above CLIP in linear light) except row 1's last cell and rows 6; with fewer than 16 unclipped
pixels they use every pixel.

The working image: linear light, area-averaged by f = ceil(long side / 256) in f x f blocks
(floor: partial blocks at the right and bottom are dropped). src/shared/autocolor.ts computes
exactly this in the app; models/train/fixtures/autocolor-features.json pins the two together.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

WORK_SIDE = 256
CLIP = 0.95
EPS = 1e-4
POWERS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, math.inf)
PERCENTILES = (50.0, 75.0, 90.0, 95.0, 97.5, 99.0, 99.5)


def working_image(linear: torch.Tensor) -> torch.Tensor:
    """[3,H,W] linear -> [3,h,w] area-averaged so the long side is at most WORK_SIDE."""
    h, w = linear.shape[-2:]
    f = max(1, min(math.ceil(max(h, w) / WORK_SIDE), min(h, w)))
    return F.avg_pool2d(linear[None], f)[0] if f > 1 else linear


def minkowski(x: torch.Tensor, p: float) -> torch.Tensor:
    """x [3,n] -> [3]: (mean x^p)^(1/p), or the max for p = inf."""
    if x.shape[1] == 0:
        return torch.full((3,), EPS)
    if math.isinf(p):
        return x.amax(dim=1)
    return x.clamp_min(0).pow(p).mean(dim=1).pow(1 / p)


def percentile(s: torch.Tensor, q: float) -> torch.Tensor:
    """s [3,n] sorted per channel -> [3]: nearest rank, index floor(q/100 * (n-1) + 0.5)."""
    n = s.shape[1]
    if n == 0:
        return torch.full((3,), EPS)
    return s[:, min(n - 1, int(math.floor(q / 100 * (n - 1) + 0.5)))]


def bands(x: torch.Tensor, key: torch.Tensor) -> list[torch.Tensor]:
    """Mean colour of 8 equal-count bands of x [3,n] ordered by key [n] (stable, ascending)."""
    n = x.shape[1]
    if n < 8:
        m = x.mean(dim=1) if n else torch.full((3,), EPS)
        return [m] * 8
    order = torch.sort(key, stable=True).indices
    xs = x[:, order]
    return [xs[:, (k * n) // 8 : ((k + 1) * n) // 8].mean(dim=1) for k in range(8)]


def gradient(img: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Forward-difference gradient magnitude per channel, [3,n] over cells whose three pixels are valid."""
    dx = img[:, :-1, 1:] - img[:, :-1, :-1]
    dy = img[:, 1:, :-1] - img[:, :-1, :-1]
    mag = (dx * dx + dy * dy).sqrt()
    ok = valid[:-1, :-1] & valid[:-1, 1:] & valid[1:, :-1]
    return mag[:, ok]


def features(linear: torch.Tensor) -> torch.Tensor:
    """[3,H,W] linear RGB in [0,1] -> [3,8,8] log-chroma of the 64 estimates."""
    img = working_image(linear.float())
    _, h, w = img.shape
    valid = img.amax(dim=0) < CLIP
    if int(valid.sum()) < 16:
        valid = torch.ones_like(valid)
    flat = img.reshape(3, -1)
    vflat = flat[:, valid.reshape(-1)]
    est: list[torch.Tensor] = []
    est += [minkowski(vflat, p) for p in POWERS]
    vsorted = vflat.sort(dim=1).values
    est += [percentile(vsorted, q) for q in PERCENTILES] + [flat.amax(dim=1)]
    g1 = gradient(img, valid)
    est += [minkowski(g1, p) for p in POWERS]
    if h >= 4 and w >= 4:
        coarse = F.avg_pool2d(img[None], 2)[0]
        cvalid = F.avg_pool2d(valid[None, None].float(), 2)[0, 0] > 0.999
        g2 = gradient(coarse, cvalid)
    else:
        g2 = g1
    est += [minkowski(g2, p) for p in POWERS]
    luma = vflat.mean(dim=0)
    est += bands(vflat, luma)
    mx, mn = vflat.amax(dim=0), vflat.amin(dim=0)
    est += bands(vflat, (mx - mn) / (mx + EPS))
    strips = [img[:, (k * h) // 8 : max((k * h) // 8 + 1, ((k + 1) * h) // 8), :] for k in range(8)]
    est += [s.reshape(3, -1).mean(dim=1) for s in strips]
    vstrips = [valid[(k * h) // 8 : max((k * h) // 8 + 1, ((k + 1) * h) // 8), :] for k in range(8)]
    est += [minkowski(s.reshape(3, -1)[:, v.reshape(-1)], 8.0) for s, v in zip(strips, vstrips)]
    e = torch.stack(est, dim=1)  # [3,64]
    lg = e.clamp_min(EPS).log()
    lg = (lg - lg.mean(dim=0, keepdim=True)).clamp(-4, 4)
    return lg.reshape(3, 8, 8)


def write_fixture() -> None:
    """fixtures/autocolor-features.json: 8-bit RGBA images (zlib, base64) and their features, for
    src/shared/autocolor.test.ts to check the app computes the same input."""
    import base64
    import zlib

    import numpy as np

    from common import FIXTURES_DIR, load_split, srgb_to_linear, write_json

    rng = np.random.default_rng(7)
    photo = load_split("test")[0][:120, :160]
    cast = (photo.astype(np.float64) * np.array([1.25, 1.0, 0.7])).clip(0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:300, 0:700]
    big = (np.stack([xx * 31 // 699, yy * 31 // 299, (xx + yy) * 31 // 998], axis=-1) * 8 + 7).astype(np.uint8)
    big[100:200, 200:400] = 255  # a clipped highlight
    tiny = rng.integers(0, 256, (3, 5, 3)).astype(np.uint8)
    cases = []
    for name, rgb in (("cast photo crop", cast), ("700x300 ramp with a clipped patch", big), ("5x3 noise", tiny)):
        h, w, _ = rgb.shape
        rgba = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=-1)
        lin = srgb_to_linear(torch.from_numpy(rgb.copy()).permute(2, 0, 1).float() / 255)
        cases.append(
            {
                "name": name,
                "width": w,
                "height": h,
                "rgba_zlib_base64": base64.b64encode(zlib.compress(rgba.tobytes(), 9)).decode(),
                "features": [round(float(v), 6) for v in features(lin).flatten()],
            }
        )
    write_json(FIXTURES_DIR / "autocolor-features.json", {"tolerance": 2e-3, "cases": cases})


if __name__ == "__main__":
    write_fixture()
