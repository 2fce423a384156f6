"""Auto colour v3: train the design paper's network on classic-estimate inputs (autocolor_features).

    /usr/bin/python3 models/train/train_autocolor.py bank [--views N] [--part K]   make the view banks (cached)
    /usr/bin/python3 models/train/train_autocolor.py train [--budget S] [--fresh]   train (resumable)

A training example is a *stored photo*: a random view of a training image (a crop of 30-100 % of
each side, or 30 % of the time the whole image; one of the 8 flips/turns; half of the time a hue
rotation, see train_image.jitter_colours), multiplied in linear light by a random cast
(train_image.random_log_gains, the evaluation's distribution) and exposure (x e^U[-0.5,0.5]),
clipped to [0, 1] and rounded to 8-bit sRGB, as a camera or an editor would store it. The input is
autocolor_features.features of that photo; the target is the gains that undo the cast. Features take
~20 ms a view on one thread, so the views are made once into a bank (data/, not committed) and the
network trains on the bank: MSE on the gains, Adam lr 1e-3 (the paper's recipe), batch 128, an
exponential moving average of the weights, early stopping on the validation bank's median angular
error. Checkpoints: checkpoints/autocolor3*.pt (resumable; the best weights are exported).
"""

from __future__ import annotations

import argparse
import math
import time

import torch
import torch.nn.functional as F

from autocolor_features import features
from common import CKPT_DIR, DATA_DIR, SEED, Budget, linear_to_srgb, load_split, log, seed_everything, srgb_to_linear
from nets import AutoColor
from train_image import angular_error_deg, random_log_gains, random_view, to_linear_small

BANK = {"train": DATA_DIR / "autocolor3-bank-train.pt", "val": DATA_DIR / "autocolor3-bank-val.pt"}
POOL_SIDE = 512


def store(linear: torch.Tensor, gains: torch.Tensor) -> torch.Tensor:
    """What a stored photo of `linear` [.,3,H,W] under per-channel `gains` [.,3] reads back as."""
    x = (linear * gains[..., :, None, None]).clamp(0, 1)
    return srgb_to_linear(torch.round(linear_to_srgb(x) * 255) / 255)


def make_bank(split: str, views: int, seed: int, whole: bool) -> dict:
    pool = to_linear_small(load_split(split), POOL_SIDE)
    gen = torch.Generator().manual_seed(seed)
    logg = random_log_gains(views, gen)
    exposure = torch.exp((torch.rand(views, generator=gen) * 2 - 1) * 0.5)
    xs = []
    t0 = time.time()
    for i in range(views):
        img = pool[i % len(pool)] if whole else pool[int(torch.randint(len(pool), (1,), generator=gen))]
        if not whole:
            img = random_view(img, gen, min_side=16)
        xs.append(features(store(img, logg[i].exp() * exposure[i])))
        if (i + 1) % 2000 == 0:
            log(f"  {split}: {i + 1}/{views} views ({time.time() - t0:.0f} s)")
    return {"x": torch.stack(xs), "target": (-logg).exp(), "cast": logg.exp()}


def bank(split: str, views: int | None = None, part: int = 0) -> dict:
    """The cached view bank of a split; training banks can be made in parts (other seeds) and are
    then concatenated: part 0 is data/autocolor3-bank-train.pt, part k data/autocolor3-bank-train-k.pt."""
    path = BANK[split] if part == 0 else BANK[split].with_name(f"{BANK[split].stem}-{part}.pt")
    if path.exists():
        return torch.load(path)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    n = views or (16_000 if split == "train" else 1400)
    # validation: whole images (what the app feeds in), 100 casts each
    b = make_bank(split, n, SEED + (11 + 100 * part if split == "train" else 12), whole=split == "val")
    torch.save(b, path)
    log(f"bank {split} part {part}: {n} views -> {path}")
    return b


def train_bank() -> dict:
    parts = [bank("train")] + [torch.load(p) for p in sorted(DATA_DIR.glob("autocolor3-bank-train-*.pt"))]
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def train(budget_s: float, fresh: bool) -> None:
    seed_everything()
    CKPT_DIR.mkdir(parents=True, exist_ok=True)
    ckpt, best = CKPT_DIR / "autocolor3.pt", CKPT_DIR / "autocolor3.best.pt"
    tr, va = train_bank(), bank("val")
    log(f"training bank: {tr['x'].shape[0]} views")
    model, ema = AutoColor(normalise=False), AutoColor(normalise=False)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    state = {"step": 0, "seconds": 0.0, "history": [], "best": math.inf}
    if ckpt.exists() and not fresh:
        ck = torch.load(ckpt)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log(f"resumed at step {state['step']} ({state['seconds']:.0f} s trained)")
    else:
        ema.load_state_dict(model.state_dict())
    gen = torch.Generator().manual_seed(SEED + 3 + state["step"])
    n = tr["x"].shape[0]

    def val_median(net: AutoColor) -> float:
        net.eval()
        with torch.no_grad():
            pred = net(va["x"])
        net.train()
        return angular_error_deg(1 / pred.clamp_min(1e-3), va["cast"]).median().item()

    def save() -> None:
        state["seconds"] = base + time.time() - t0
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt)

    budget, t0, base, last = Budget(budget_s), time.time(), state["seconds"], time.time()
    running = 0.0
    while not budget.done():
        idx = torch.randint(n, (128,), generator=gen)
        loss = F.mse_loss(model(tr["x"][idx]), tr["target"][idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 0.01)
        state["step"] += 1
        running = loss.item() if running == 0 else 0.98 * running + 0.02 * loss.item()
        if state["step"] % 200 == 0:
            raw, avg = val_median(model), val_median(ema)
            spent = base + time.time() - t0
            state["history"].append({"step": state["step"], "seconds": round(spent), "train_mse": running, "val_median_deg": raw, "ema_val_median_deg": avg})
            log(f"step {state['step']} {spent:.0f}s train {running:.5f} val {raw:.3f} ema {avg:.3f}")
            for kind, net, score in (("raw", model, raw), ("ema", ema, avg)):
                if score < state["best"]:
                    state["best"], state["best_step"], state["best_kind"] = score, state["step"], kind
                    torch.save({"model": net.state_dict(), "state": dict(state)}, best)
        if time.time() - last > 120:
            save()
            last = time.time()
    save()
    log(f"done: step {state['step']}, {state['seconds']:.0f} s, best val median {state['best']:.3f} deg at {state.get('best_step')}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["bank", "train"])
    ap.add_argument("--views", type=int)
    ap.add_argument("--budget", type=float, default=1800)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--part", type=int, default=0)
    a = ap.parse_args()
    if a.what == "bank":
        bank("val")
        bank("train", a.views, a.part)
    else:
        train(a.budget, a.fresh)


if __name__ == "__main__":
    main()
