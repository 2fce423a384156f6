"""Train one image model with a wall-clock budget, resuming from its checkpoint.

    /usr/bin/python3 models/train/train_image.py autocolor|denoise|upscale2x [--budget SECONDS] [--fresh]

Self-supervised on the cleaned wallpaper photos (collect.py):
- autocolor: random colour casts (per-channel gains in linear light) on random crops, area-averaged
  to 8x8; target = the gains that undo the cast. MSE, Adam lr 1e-3 (the paper's recipe), batch 128.
- denoise (v3, told sigma): 64x64 sRGB patches, clean or with Gaussian (sigma 0-55 of 255, given) or
  Poisson-Gaussian noise (the Auto estimate given), stored as 8 bits (denoise_batch); MSE, Adam
  with a cosine decay over each run; a fresh run starts from v2's weights narrowed to v3's channels
  (nets.Denoise.load_narrowed, checkpoints/denoise.v2.pt; v2 started from v1's, denoise.v1.pt).
- upscale2x (v2): 96x96 sRGB patches, downscaled 2x by area averaging or antialiased bicubic and
  stored as 8 bits; MSE against the original, Adam with a cosine decay over each run.
The budget counts this run only; the checkpoint keeps the total steps and seconds across runs.
The weights with the best validation score so far are kept in checkpoints/<id>.best.pt (early
stopping); export and evaluation use those. autocolor also keeps an exponential moving average of
its weights (decay 0.99; the optimiser is untouched) and the better of the raw and averaged weights
at each validation is the candidate.
"""

from __future__ import annotations

import argparse
import math
import signal
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import (
    CKPT_DIR,
    SEED,
    Budget,
    estimate_sigma,
    load_split,
    log,
    seed_everything,
    srgb_to_linear,
    write_json,
)
from nets import build

CAST_SPAN = 0.6  # log-gain span of the blue-orange axis
TINT_SPAN = 0.25  # log-gain span of the green-magenta axis


def random_log_gains(n: int, gen: torch.Generator) -> torch.Tensor:
    """Log cast gains [n,3]: a warm/cool shift, a tint and a little independent noise, mean zero."""
    t = (torch.rand(n, 1, generator=gen) * 2 - 1) * CAST_SPAN
    s = (torch.rand(n, 1, generator=gen) * 2 - 1) * TINT_SPAN
    noise = torch.randn(n, 3, generator=gen) * 0.05
    g = torch.cat([t - s / 2, s, -t - s / 2], dim=1) + noise
    keep = torch.rand(n, 1, generator=gen) < 0.1  # some images arrive without a cast
    g = torch.where(keep, torch.zeros_like(g), g)
    return g - g.mean(dim=1, keepdim=True)


def to_linear_small(images: list[np.ndarray], max_side: int) -> list[torch.Tensor]:
    """Linear-light float copies, area-downscaled so the long side is about max_side."""
    out = []
    for im in images:
        x = srgb_to_linear(torch.from_numpy(im).permute(2, 0, 1).float() / 255.0)[None]
        f = max(1, max(x.shape[-2:]) // max_side)
        out.append(F.avg_pool2d(x, f)[0] if f > 1 else x[0])
    return out


def autocolor_batch(pool: list[torch.Tensor], n: int, gen: torch.Generator, whole: bool = False):
    """(inputs [n,3,8,8], target gains [n,3], cast gains [n,3]) from random views of pool.

    A view (unless whole): 30% the whole image, otherwise a random crop whose sides are 30-100% of the
    image's; then one of the 8 flips/90-degree turns and, half of the time, a hue rotation. Many
    distinct thumbnails per photograph, while the whole-image views match what the app feeds in."""
    logg = random_log_gains(n, gen)
    cast = logg.exp()
    exposure = torch.exp((torch.rand(n, generator=gen) * 2 - 1) * 0.5)
    xs = []
    for i in range(n):
        img = pool[int(torch.randint(len(pool), (1,), generator=gen))]
        if not whole:
            img = random_view(img, gen, min_side=8)
        casted = (img * (cast[i] * exposure[i])[:, None, None]).clamp(0, 1)
        xs.append(F.adaptive_avg_pool2d(casted[None], 8)[0])
    return torch.stack(xs), (-logg).exp(), cast


def random_view(img: torch.Tensor, gen: torch.Generator, min_side: int) -> torch.Tensor:
    """A random view of one [3,H,W] image: 70 % of the time a crop of 30-100 % of each side (at
    least `min_side` px), one of the 8 flips/turns, then jitter_colours."""
    _, h, w = img.shape
    if float(torch.rand(1, generator=gen)) >= 0.3:
        fh = 0.3 + 0.7 * float(torch.rand(1, generator=gen))
        fw = 0.3 + 0.7 * float(torch.rand(1, generator=gen))
        ch, cw = max(min_side, int(h * fh)), max(min_side, int(w * fw))
        y0 = int(torch.randint(h - ch + 1, (1,), generator=gen))
        x0 = int(torch.randint(w - cw + 1, (1,), generator=gen))
        img = img[:, y0 : y0 + ch, x0 : x0 + cw]
    k = int(torch.randint(8, (1,), generator=gen))
    if k & 1:
        img = img.flip(-1)
    if k & 2:
        img = img.flip(-2)
    if k & 4:
        img = img.transpose(-1, -2)
    return jitter_colours(img, gen)


def jitter_colours(img: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Half of the time, rotate hues about the gray axis and scale saturation. Neutral pixels stay
    neutral, so the cast stays the only thing that moves them, while the network cannot simply
    memorise each of the few training images' colours."""
    if float(torch.rand(1, generator=gen)) < 0.5:
        return img
    theta = (float(torch.rand(1, generator=gen)) * 2 - 1) * math.pi
    sat = 0.4 + 0.9 * float(torch.rand(1, generator=gen))
    k = torch.full((3,), 1 / math.sqrt(3))
    kx = torch.tensor([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = torch.eye(3) + math.sin(theta) * kx + (1 - math.cos(theta)) * (kx @ kx)
    gray = torch.full((3, 3), 1 / 3)
    m = gray + sat * (rot - gray)  # rotate, then scale the chromatic part
    return torch.einsum("ij,jhw->ihw", m, img).clamp_min(0)


def random_patches(images: list[np.ndarray], n: int, size: int, gen: torch.Generator) -> torch.Tensor:
    out = []
    for _ in range(n):
        im = images[int(torch.randint(len(images), (1,), generator=gen))]
        h, w, _ = im.shape
        y0 = int(torch.randint(h - size + 1, (1,), generator=gen))
        x0 = int(torch.randint(w - size + 1, (1,), generator=gen))
        p = torch.from_numpy(np.ascontiguousarray(im[y0 : y0 + size, x0 : x0 + size])).permute(2, 0, 1)
        k = int(torch.randint(8, (1,), generator=gen))  # flips and 90-degree turns
        if k & 1:
            p = p.flip(-1)
        if k & 2:
            p = p.flip(-2)
        if k & 4:
            p = p.transpose(-1, -2)
        out.append(p)
    return torch.stack(out).float() / 255.0


def quantise(x: torch.Tensor) -> torch.Tensor:
    """Clip to [0, 1] and round to 8 bits, like a stored photograph."""
    return torch.round(x.clamp(0, 1) * 255) / 255


def gaussian_noise(clean: torch.Tensor, gen: torch.Generator, sigma01: torch.Tensor) -> torch.Tensor:
    """Gaussian noise of sigma01 (a fraction of full range, per image [N,1,1,1]), 8-bit."""
    return quantise(clean + torch.randn(clean.shape, generator=gen) * sigma01)


def add_noise(clean: torch.Tensor, gen: torch.Generator, sigma: float) -> torch.Tensor:
    """Gaussian noise of sigma (0-255 units) on every image, clipped and rounded to 8 bits."""
    return gaussian_noise(clean, gen, torch.full((clean.shape[0], 1, 1, 1), sigma / 255.0))


def poisson_gaussian(clean: torch.Tensor, gen: torch.Generator, peak, read01) -> torch.Tensor:
    """Shot noise (`peak` photons at white) plus read noise (sigma `read01`, a fraction of full
    range), 8-bit; each a number or per image [N,1,1,1]."""
    noisy = torch.poisson(clean * peak, generator=gen) / peak
    return quantise(noisy + torch.randn(clean.shape, generator=gen) * read01)


def denoise_batch(clean: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(noisy input, sigma input [N,1,1,1]) for clean patches; every input clipped and rounded to
    8 bits. Per patch:
    - 10 %: the clean patch with sigma 0 (a named level of nothing);
    - 10 %: the clean patch with its own Auto estimate (Auto on a clean photo must change nothing);
    - 30 %: Gaussian noise, sigma uniform in [0, 55] of 255, given as is (the named levels);
    - 30 %: the same noise, given the Auto estimate (what the app feeds in by default);
    - 20 %: Poisson-Gaussian noise (10-316 photons at white plus read noise sigma 0-4), given the
      Auto estimate.
    (The first 20 minutes of v2's training gave the Auto estimate only to the clean and the
    Poisson-Gaussian patches: 10 % / 10 % / 55 % / 0 % / 25 %.)"""
    n = clean.shape[0]
    u = torch.rand(n, 1, 1, 1, generator=gen)
    s_gauss = torch.rand(n, 1, 1, 1, generator=gen) * (55 / 255.0)
    gauss = gaussian_noise(clean, gen, s_gauss)
    peak = 10 ** (1 + 1.5 * torch.rand(n, 1, 1, 1, generator=gen))
    read = torch.rand(n, 1, 1, 1, generator=gen) * (4 / 255.0)
    pg = poisson_gaussian(clean, gen, peak, read)
    noisy = torch.where(u < 0.2, quantise(clean), torch.where(u < 0.8, gauss, pg))
    est = estimate_sigma(noisy)
    sigma = torch.where(u < 0.1, torch.zeros_like(est), torch.where((u >= 0.2) & (u < 0.5), s_gauss, est))
    return noisy, sigma


def downscale_batch(hr: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """2x low-resolution copies, each patch at random by 2x2 area averaging or by antialiased
    bicubic (what photo tools do), rounded to 8 bits like a stored image."""
    area = F.avg_pool2d(hr, 2)
    bicubic = F.interpolate(hr, scale_factor=0.5, mode="bicubic", antialias=True, align_corners=False)
    pick = torch.rand(hr.shape[0], 1, 1, 1, generator=gen) < 0.5
    return quantise(torch.where(pick, area, bicubic))


# Validation patches (count, side) drawn from the validation split with a fixed seed.
VAL_PATCHES = {"denoise": (128, 64), "upscale2x": (64, 96)}

CONFIG = {
    "autocolor": {"batch": 128, "lr": 1e-3, "eval_every": 50, "patience": 1500, "ema": 0.99},
    "denoise": {"batch": 16, "patch": 64, "lr": 5e-4, "eval_every": 200, "cosine": True},
    "upscale2x": {"batch": 16, "patch": 96, "lr": 1e-3, "eval_every": 200, "cosine": True},
}


def angular_error_deg(est: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    cos = F.cosine_similarity(est, truth, dim=1).clamp(-1, 1)
    return torch.rad2deg(torch.acos(cos))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=list(CONFIG))
    ap.add_argument("--budget", type=float, default=1200, help="seconds of training in this run")
    ap.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    ap.add_argument("--lr", type=float, default=None, help="peak learning rate (default: the model's)")
    ap.add_argument("--pack", type=str, default=None, help="train from a crop pack (pack.py) instead of the images")
    ap.add_argument("--device", type=str, default="cpu", help="cpu or cuda (a lent GPU)")
    ap.add_argument("--batch", type=int, default=None, help="batch size (default: the model's)")
    args = ap.parse_args()
    cfg = dict(CONFIG[args.model])
    args.lr = args.lr or cfg["lr"]
    if args.batch:
        cfg["batch"] = args.batch
    dev = torch.device(args.device)
    seed_everything()
    CKPT_DIR.mkdir(parents=True, exist_ok=True)
    ckpt_path = CKPT_DIR / f"{args.model}.pt"

    model = build(args.model)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    state = {"step": 0, "seconds": 0.0, "history": []}
    if args.model == "autocolor":
        state["normalise"] = True
    if ckpt_path.exists() and not args.fresh:
        ck = torch.load(ckpt_path, map_location="cpu")
        model.load_state_dict(ck["model"])
        state = ck["state"]
        ema_state = ck.get("ema")
        log(f"resumed at step {state['step']} ({state['seconds']:.0f} s trained)")
    else:
        ema_state = None
        if args.model == "denoise":
            # v3 starts from v2 narrowed to its channels (v2 started from the blind v1's weights)
            model.load_narrowed(torch.load(CKPT_DIR / "denoise.v2.pt", map_location="cpu")["model"])
            log("started from v2's weights, narrowed (checkpoints/denoise.v2.pt)")
    # An exponential moving average of the weights (the optimiser still sees only the raw weights:
    # Adam at lr 1e-3 as the paper says); validation scores both and keeps the better as "best".
    ema = None
    if cfg.get("ema"):
        ema = build(args.model)
        ema.load_state_dict(ema_state if ema_state is not None else model.state_dict())
        if hasattr(ema, "normalise"):
            ema.normalise = getattr(model, "normalise")
        ema.eval()
    gen = torch.Generator().manual_seed(SEED + state["step"])
    model.to(dev)
    if ckpt_path.exists() and not args.fresh:
        opt.load_state_dict(ck["opt"])  # again, now that the parameters live on the device

    vgen = torch.Generator().manual_seed(SEED + 1)
    if args.pack:
        # the crops a GPU run carries (pack.py): the same validation patches, drawn here
        from pack import load_pack

        if args.model == "autocolor":
            raise SystemExit("autocolor trains from its view banks (train_autocolor.py), not a crop pack")
        train_imgs, val_patches, vstate = load_pack(args.pack, args.model)
        vgen.set_state(vstate)
    else:
        train_imgs = load_split("train")
        val_imgs = load_split("val")
        if args.model != "autocolor":
            val_patches = random_patches(val_imgs, *VAL_PATCHES[args.model], vgen)
    if args.model == "autocolor":
        pool = to_linear_small(train_imgs, 192)
        vpool = to_linear_small(val_imgs, 192)
        val_x, val_t, val_cast = autocolor_batch(vpool, 1024, vgen, whole=True)
    elif args.model == "denoise":
        val_x, val_sigma = denoise_batch(val_patches, vgen)
        val_t = val_patches
    else:
        val_t = val_patches
        val_x = downscale_batch(val_t, vgen)
    val_x, val_t = val_x.to(dev), val_t.to(dev)
    if args.model == "denoise":
        val_sigma = val_sigma.to(dev)
    log(f"{args.model}: {sum(p.numel() for p in model.parameters())} params, {len(train_imgs)} train images or crops, on {dev}")

    def evaluate(net: torch.nn.Module | None = None) -> dict:
        net = net or model
        model.eval()
        with torch.no_grad():
            pred = net(val_x, val_sigma) if args.model == "denoise" else net(val_x)
            loss = F.mse_loss(pred, val_t).item()
            out = {"val_mse": loss}
            if args.model == "autocolor":
                out["val_median_deg"] = angular_error_deg(1 / pred.clamp_min(1e-3), val_cast).median().item()
            else:
                out["val_psnr"] = 10 * math.log10(1 / max(loss, 1e-12))
        model.train()
        return out

    budget = Budget(args.budget)
    # SIGTERM/SIGINT end the run between steps: the checkpoint and the run's record are saved
    stop = {"now": False}
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.update(now=True))
    last_save = time.time()
    t0 = time.time()
    base_seconds = state["seconds"]
    running = 0.0
    start_step = state["step"]
    model.train()
    while not budget.done() and not stop["now"]:
        if args.model == "autocolor":
            x, t, _ = autocolor_batch(pool, cfg["batch"], gen)
        elif args.model == "denoise":
            t = random_patches(train_imgs, cfg["batch"], cfg["patch"], gen)
            x, s = denoise_batch(t, gen)
        else:
            t = random_patches(train_imgs, cfg["batch"], cfg["patch"], gen)
            x = downscale_batch(t, gen)
        x, t = x.to(dev, non_blocking=True), t.to(dev, non_blocking=True)
        if args.model == "denoise":
            s = s.to(dev)
        if cfg.get("cosine"):
            # cosine decay over this run's budget, lr -> lr/20 (a resumed run restarts it)
            frac = min(1.0, budget.elapsed() / budget.seconds)
            for g in opt.param_groups:
                g["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        loss = F.mse_loss(model(x, s) if args.model == "denoise" else model(x), t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if ema is not None:
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.lerp_(pm, 1 - cfg["ema"])
        state["step"] += 1
        running = loss.item() if running == 0 else 0.95 * running + 0.05 * loss.item()
        if state["step"] % cfg["eval_every"] == 0:
            ev = evaluate()
            spent = base_seconds + (time.time() - t0)
            candidates = [("raw", model, ev)]
            if ema is not None:
                ev_ema = evaluate(ema)
                candidates.append(("ema", ema, ev_ema))
                ev = {**ev, **{f"ema_{k}": v for k, v in ev_ema.items()}}
            state["history"].append({"step": state["step"], "seconds": round(spent), "train_mse": running, **ev})
            log(f"step {state['step']} {spent:.0f}s train {running:.5f} " + " ".join(f"{k} {v:.4f}" for k, v in ev.items()))
            for kind, net, e in candidates:
                score = -e["val_median_deg"] if args.model == "autocolor" else e["val_psnr"]
                if score > state.get("best_score", -math.inf):
                    # early stopping on the validation split: export and eval use the best weights
                    state["best_score"], state["best_step"], state["best_kind"] = score, state["step"], kind
                    torch.save({"model": cpu_state(net), "state": dict(state)}, CKPT_DIR / f"{args.model}.best.pt")
                    log(f"  new best at step {state['step']} ({kind} weights)")
        patience = cfg.get("patience")
        if patience and state["step"] - state.get("best_step", 0) >= patience:
            log(f"early stop: no validation gain in {patience} steps (best at step {state['best_step']})")
            break
        if time.time() - last_save > 120:
            save(ckpt_path, model, opt, state, base_seconds, t0, ema)
            last_save = time.time()
    state.setdefault("runs", []).append(
        {"device": str(dev) if dev.type == "cpu" else f"{dev.type} ({torch.cuda.get_device_name(dev)})",
         "steps": state["step"] - start_step, "seconds": round(time.time() - t0), "batch": cfg["batch"],
         "data": "crop pack" if args.pack else "images"}
    )
    save(ckpt_path, model, opt, state, base_seconds, t0, ema)
    ev = evaluate()
    log(f"done: step {state['step']}, {state['seconds']:.0f} s in total, {ev}")
    write_json(CKPT_DIR / f"{args.model}.history.json", state["history"])


def save(path, model, opt, state, base_seconds, t0, ema=None) -> None:
    state["seconds"] = base_seconds + (time.time() - t0)
    ck = {"model": cpu_state(model), "opt": opt.state_dict(), "state": state}
    if ema is not None:
        ck["ema"] = cpu_state(ema)
    torch.save(ck, path)


def cpu_state(net: torch.nn.Module) -> dict:
    """A state dict on the CPU, so a checkpoint made on a GPU loads anywhere."""
    return {k: v.detach().cpu() for k, v in net.state_dict().items()}


if __name__ == "__main__":
    main()
