"""Train the bundled text model (GPT-2 style, context 512) with a wall-clock budget; resumable.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/text/train_text.py [--budget SECONDS] [--fresh]

Batch 8 x 512 tokens of the fortunes stream (documents separated by <|endoftext|>), AdamW
(lr 2e-3, betas 0.9/0.95, weight decay 0.1), 100 warm-up steps then cosine decay to 10% over the
planned steps, gradient clipping 1.0. Full 512-token windows so every position embedding is trained.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import CKPT_DIR, DATA_DIR, SEED, Budget, log, seed_everything, write_json  # noqa: E402
from gpt2 import GPT2, GPTConfig  # noqa: E402

TEXT_DIR = DATA_DIR / "text"
BATCH, CTX = 8, 512


def val_loss(model: GPT2, val: torch.Tensor) -> float:
    model.eval()
    losses = []
    with torch.no_grad():
        n = (len(val) - 1) // CTX
        for i in range(0, n, 4):
            idx = torch.arange(i, min(i + 4, n))
            x = torch.stack([val[j * CTX : j * CTX + CTX] for j in idx])
            y = torch.stack([val[j * CTX + 1 : j * CTX + CTX + 1] for j in idx])
            logits, _ = model(x)
            losses.append(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item())
    model.train()
    return float(np.mean(losses))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=1200)
    ap.add_argument("--planned", type=float, default=None, help="seconds the LR schedule spans (default: budget)")
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()
    seed_everything()
    train = torch.from_numpy(np.fromfile(TEXT_DIR / "train.u16", dtype=np.uint16).astype(np.int64))
    val = torch.from_numpy(np.fromfile(TEXT_DIR / "val.u16", dtype=np.uint16).astype(np.int64))
    cfg = GPTConfig()
    model = GPT2(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=2e-3, betas=(0.9, 0.95)
    )
    ckpt = CKPT_DIR / "text.pt"
    state = {"step": 0, "seconds": 0.0, "history": [], "sec_per_step": None}
    if ckpt.exists() and not args.fresh:
        ck = torch.load(ckpt)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log(f"resumed at step {state['step']}")
    log(f"{sum(p.numel() for p in model.parameters())} params, {len(train)} train tokens, {len(val)} val tokens")
    gen = torch.Generator().manual_seed(SEED + state["step"])
    planned = args.planned or (state["seconds"] + args.budget)
    budget = Budget(args.budget)
    t0 = time.time()
    base = state["seconds"]
    last_save = time.time()
    running = 0.0
    while not budget.done():
        spent = base + (time.time() - t0)
        frac = min(1.0, spent / planned)
        lr = 2e-3 * min(1.0, (state["step"] + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = torch.randint(0, len(train) - CTX - 1, (BATCH,), generator=gen)
        x = torch.stack([train[s : s + CTX] for s in starts])
        y = torch.stack([train[s + 1 : s + CTX + 1] for s in starts])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        running = loss.item() if running == 0 else 0.95 * running + 0.05 * loss.item()
        if state["step"] % 100 == 0:
            vl = val_loss(model, val)
            state["history"].append({"step": state["step"], "seconds": round(spent), "train_loss": running, "val_loss": vl})
            log(f"step {state['step']} {spent:.0f}s lr {lr:.2e} train {running:.3f} val {vl:.3f}")
        if time.time() - last_save > 120:
            state["seconds"] = base + (time.time() - t0)
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": cfg.to_dict()}, ckpt)
            last_save = time.time()
    state["seconds"] = base + (time.time() - t0)
    vl = val_loss(model, val)
    state["final_val_loss"] = vl
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": cfg.to_dict()}, ckpt)
    write_json(CKPT_DIR / "text.history.json", state["history"])
    log(f"done: step {state['step']}, {state['seconds']:.0f} s, val loss {vl:.3f} (ppl {math.exp(vl):.1f})")


if __name__ == "__main__":
    main()
