"""Export the trained text model in the folder layout transformers.js loads, plus its fixtures.

    /usr/bin/python3 models/train/text/export_text.py [MODEL_ID]     (default atelier-fortune-gpt2)

models/text/<id>/{config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
onnx/model.onnx (fp32), onnx/model_quantized.onnx (q8: weight-only int8 + DequantizeLinear)}.
One "with past" decoder graph (opset 14): inputs input_ids, attention_mask, position_ids,
past_key_values.{i}.key/value; outputs logits, present.{i}.key/value. Batch is named `batch_size`
and heads/head_dim are static, as transformers.js builds its empty cache from the graph metadata.
Also writes models/train/fixtures/text.json: greedy continuations from PyTorch (no cache).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import CKPT_DIR, DATA_DIR, FIXTURES_DIR, MODELS_DIR, log, write_json  # noqa: E402
from gpt2 import GPT2, GPTConfig  # noqa: E402
from bpe import Encoder  # noqa: E402

TEXT_DIR = DATA_DIR / "text"
PROMPTS = ["The painting", "Love is", "An artist"]


class Decoder(torch.nn.Module):
    def __init__(self, model: GPT2):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])


def quantize_q8(src: Path, dst: Path) -> int:
    """Weight-only int8 (symmetric, per row) for every 2-D float initializer of >= 4096 elements."""
    m = onnx.load(str(src))
    g = m.graph
    nodes, n = [], 0
    for init in list(g.initializer):
        w = numpy_helper.to_array(init)
        if w.dtype != np.float32 or w.ndim != 2 or w.size < 4096:
            continue
        scale = np.maximum(np.abs(w).max(axis=1), 1e-12).astype(np.float32) / 127.0
        q = np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8)
        g.initializer.remove(init)
        g.initializer.extend(
            [
                numpy_helper.from_array(q, f"{init.name}_q8"),
                numpy_helper.from_array(scale, f"{init.name}_scale"),
                numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{init.name}_zero"),
            ]
        )
        nodes.append(
            helper.make_node("DequantizeLinear", [f"{init.name}_q8", f"{init.name}_scale", f"{init.name}_zero"], [init.name], axis=0)
        )
        n += 1
    old = list(g.node)
    del g.node[:]
    g.node.extend(nodes + old)
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))
    return n


def main() -> None:
    model_id = sys.argv[1] if len(sys.argv) > 1 else "atelier-fortune-gpt2"
    ck = torch.load(CKPT_DIR / "text.pt")
    cfg = GPTConfig(**ck["config"])
    model = GPT2(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    out = MODELS_DIR / "text" / model_id
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    eot = cfg.vocab_size - 1
    hd = cfg.n_embd // cfg.n_head

    config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": cfg.vocab_size,
        "n_positions": cfg.n_positions,
        "n_ctx": cfg.n_positions,
        "n_embd": cfg.n_embd,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_inner": None,
        "activation_function": "gelu_new",
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "use_cache": True,
        "tie_word_embeddings": True,
        "bos_token_id": eot,
        "eos_token_id": eot,
        "torch_dtype": "float32",
    }
    write_json(out / "config.json", config)
    write_json(
        out / "generation_config.json",
        {"bos_token_id": eot, "eos_token_id": eot, "max_length": cfg.n_positions, "do_sample": True, "temperature": 0.8, "top_k": 40},
    )
    shutil.copy(TEXT_DIR / "tokenizer.json", out / "tokenizer.json")
    write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "GPT2Tokenizer",
            "bos_token": "<|endoftext|>",
            "eos_token": "<|endoftext|>",
            "unk_token": "<|endoftext|>",
            "add_bos_token": False,
            "add_prefix_space": False,
            "clean_up_tokenization_spaces": False,
            "model_max_length": cfg.n_positions,
            "errors": "replace",
        },
    )

    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    past = []
    for i in range(cfg.n_layer):
        for kv in ("key", "value"):
            names_in.append(f"past_key_values.{i}.{kv}")
            names_out.append(f"present.{i}.{kv}")
            axes[f"past_key_values.{i}.{kv}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kv}"] = {0: "batch_size", 2: "total_sequence_length"}
            past.append(torch.randn(1, cfg.n_head, 2, hd))
    ids = torch.tensor([[5, 6, 7]])
    mask = torch.ones(1, 5, dtype=torch.long)
    pos = torch.tensor([[2, 3, 4]])
    fp32 = out / "onnx" / "model.onnx"
    torch.onnx.export(
        Decoder(model),
        (ids, mask, pos, *past),
        str(fp32),
        input_names=names_in,
        output_names=names_out,
        dynamic_axes=axes,
        opset_version=14,
        do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(str(fp32)))
    n = quantize_q8(fp32, out / "onnx" / "model_quantized.onnx")
    log(f"fp32 {fp32.stat().st_size} bytes, q8 {(out / 'onnx' / 'model_quantized.onnx').stat().st_size} bytes ({n} tensors)")

    # greedy PyTorch reference, no cache, the prompt encoded by our own BPE
    tok = json.loads((TEXT_DIR / "tokenizer.json").read_text())
    merges = [tuple(m.split(" ")) for m in tok["model"]["merges"]]
    enc = Encoder(merges)
    cases = []
    with torch.no_grad():
        for p in PROMPTS:
            ids = enc.encode(p)
            prompt_len = len(ids)
            for _ in range(24):
                logits, _ = model(torch.tensor([ids]))
                nxt = int(logits[0, -1].argmax())
                ids.append(nxt)
                if nxt == eot:
                    break
            cases.append({"prompt": p, "prompt_ids": ids[:prompt_len], "ids": ids, "text": enc.decode(ids)})
            log(f"greedy {p!r} -> {enc.decode(ids)!r}")
    write_json(FIXTURES_DIR / "text.json", {"model": model_id, "max_new_tokens": 24, "greedy": cases})


if __name__ == "__main__":
    main()
