"""Evaluate the bundled text model on the held-out fortunes, beside a unigram baseline.

    /usr/bin/python3 models/train/text/eval_text.py      -> models/train/metrics/text.json
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import CKPT_DIR, DATA_DIR, TRAIN_DIR, log, write_json  # noqa: E402
from gpt2 import GPT2, GPTConfig  # noqa: E402
from train_text import val_loss  # noqa: E402

TEXT_DIR = DATA_DIR / "text"


def main() -> None:
    ck = torch.load(CKPT_DIR / "text.pt")
    model = GPT2(GPTConfig(**ck["config"]))
    model.load_state_dict(ck["model"])
    train = np.fromfile(TEXT_DIR / "train.u16", dtype=np.uint16).astype(np.int64)
    val = np.fromfile(TEXT_DIR / "val.u16", dtype=np.uint16).astype(np.int64)
    vl = val_loss(model, torch.from_numpy(val))
    counts = np.bincount(train, minlength=model.cfg.vocab_size) + 1
    p = counts / counts.sum()
    unigram = float(-np.log(p[val]).mean())
    res = {
        "metric": "cross-entropy on held-out fortunes (nats/token) and perplexity; 512-token windows",
        "val_tokens": int(len(val)),
        "rows": {
            "unigram baseline": {"loss": round(unigram, 3), "perplexity": round(math.exp(unigram), 1)},
            "network (fp32)": {"loss": round(vl, 3), "perplexity": round(math.exp(vl), 1)},
        },
    }
    write_json(TRAIN_DIR / "metrics" / "text.json", res)
    log(f"text: {res['rows']}")


if __name__ == "__main__":
    main()
