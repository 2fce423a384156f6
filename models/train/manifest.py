"""Write models/manifest.json: every model the app serves, its files (bytes, sha256), its
input/output contract, licence, metrics and how it was trained.

    /usr/bin/python3 models/train/manifest.py

Metrics come from models/train/metrics/<id>.json (eval_image.py / text eval); training facts from
the checkpoints when present, else they are kept from the existing manifest.
"""

from __future__ import annotations

import json

import torch

from common import CKPT_DIR, MODELS_DIR, TRAIN_DIR, sha256_file, write_json

PHOTO_LICENCE = {
    "spdx": "CC-BY-SA-4.0 AND GPL-3.0-or-later",
    "note": "Weights trained here on photographs from Debian packages: wallpapers (GPL-2+, "
    "CC-BY-SA-2.0/3.0/4.0, CC-BY-2.0/4.0, CC0-1.0, Expat), GCompris' photos (gcompris-qt-data: "
    "mostly GPL-3/GPL-3+, some CC-BY(-SA), GFDL, public domain) and public-domain/CC0 sample photos "
    "(python3-skimage, python-matplotlib-data); whether trained weights are a derivative of their training "
    "images is unsettled, so the weights are offered under both copyleft terms the photos carry most "
    "(CC-BY-SA-4.0 and GPL-3.0-or-later), with every source attributed. Per-image sources and licences: "
    "models/train/data-sources.json.",
}

MODELS = [
    {
        "id": "autocolor",
        "name": "Auto colour",
        "kind": "image-to-gains",
        "runtime": "onnxruntime-web",
        "card": "autocolor/CARD.md",
        "files": [{"path": "autocolor/model.onnx", "dtype": "q4f16", "role": "model"}],
        "licence": PHOTO_LICENCE,
        "inputs": [
            {
                "name": "image",
                "dtype": "float32",
                "shape": ["batch", 3, 8, 8],
                "layout": "NCHW",
                "range": [-4, 4],
                "colorSpace": "log-chroma",
                "features": "classic-estimates-v3",
                "description": "64 classic estimates of the illuminant (shades of grey, percentiles, grey-edge at two "
                "scales, brightness and saturation bands, horizontal strips) of the image in linear light, each as "
                "log-chroma (log RGB minus its mean): models/train/autocolor_features.py, src/shared/autocolor.ts.",
            }
        ],
        "outputs": [
            {
                "name": "gains",
                "dtype": "float32",
                "shape": ["batch", 3],
                "description": "Per-channel gains (R, G, B) to multiply each linear channel by to remove the "
                "colour cast; their geometric mean is about 1 (exposure is left alone).",
            }
        ],
    },
    {
        "id": "denoise",
        "name": "Denoise",
        "kind": "image-to-image",
        "runtime": "onnxruntime-web",
        "card": "denoise/CARD.md",
        "files": [{"path": "denoise/model.onnx", "dtype": "fp32", "role": "model"}],
        "licence": PHOTO_LICENCE,
        "inputs": [
            {
                "name": "image",
                "dtype": "float32",
                "shape": [1, 3, "height", "width"],
                "layout": "NCHW",
                "range": [0, 1],
                "colorSpace": "srgb",
                "description": "Any size; tiles should overlap by at least 7 px (receptive field 15x15).",
            },
            {
                "name": "sigma",
                "dtype": "float32",
                "shape": [1, 1, 1, 1],
                "role": "noise-level",
                "range": [0, 1],
                "description": "The noise's standard deviation as a fraction of full range (sigma255 / 255): the "
                "Auto estimate of the image or a named level; 0 leaves a clean photo as it is.",
            },
        ],
        "outputs": [
            {
                "name": "denoised",
                "dtype": "float32",
                "shape": [1, 3, "height", "width"],
                "range": [0, 1],
                "colorSpace": "srgb",
            }
        ],
        "tileOverlap": 8,
    },
    {
        "id": "upscale2x",
        "name": "Upscale 2x",
        "kind": "image-to-image",
        "runtime": "onnxruntime-web",
        "card": "upscale2x/CARD.md",
        "files": [{"path": "upscale2x/model.onnx", "dtype": "fp32", "role": "model"}],
        "licence": PHOTO_LICENCE,
        "inputs": [
            {
                "name": "image",
                "dtype": "float32",
                "shape": [1, 3, "height", "width"],
                "layout": "NCHW",
                "range": [0, 1],
                "colorSpace": "srgb",
                "description": "Any size; tiles should overlap by at least 7 input px (receptive field 15x15).",
            }
        ],
        "outputs": [
            {
                "name": "upscaled",
                "dtype": "float32",
                "shape": [1, 3, "2*height", "2*width"],
                "range": [0, 1],
                "colorSpace": "srgb",
            }
        ],
        "scale": 2,
        "tileOverlap": 8,
    },
]

TEXT_ID = "atelier-fortune-gpt2"


def text_model() -> dict | None:
    root = MODELS_DIR / "text" / TEXT_ID
    if not (root / "config.json").exists():
        return None
    cfg = json.loads((root / "config.json").read_text())
    names = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx", "onnx/model_quantized.onnx"]
    roles = {"onnx/model.onnx": ("model", "fp32"), "onnx/model_quantized.onnx": ("model", "q8")}
    files = []
    for n in names:
        role, dtype = roles.get(n, ("config", None))
        entry = {"path": f"text/{TEXT_ID}/{n}", "role": role}
        if dtype:
            entry["dtype"] = dtype
        files.append(entry)
    past = []
    for i in range(cfg["n_layer"]):
        for kv in ("key", "value"):
            past.append(
                {
                    "name": f"past_key_values.{i}.{kv}",
                    "dtype": "float32",
                    "shape": ["batch_size", cfg["n_head"], "past_sequence_length", cfg["n_embd"] // cfg["n_head"]],
                }
            )
    return {
        "id": TEXT_ID,
        "name": "Atelier fortune GPT-2 (bundled)",
        "kind": "text-generation",
        "runtime": "transformers.js",
        "card": f"text/{TEXT_ID}/CARD.md",
        "localModelPath": "text",
        "modelId": TEXT_ID,
        "contextLength": cfg["n_positions"],
        "dtypes": {"fp32": "onnx/model.onnx", "q8": "onnx/model_quantized.onnx"},
        "files": files,
        "inputs": [
            {"name": "input_ids", "dtype": "int64", "shape": ["batch_size", "sequence_length"]},
            {"name": "attention_mask", "dtype": "int64", "shape": ["batch_size", "total_sequence_length"]},
            {"name": "position_ids", "dtype": "int64", "shape": ["batch_size", "sequence_length"]},
            *past,
        ],
        "outputs": [
            {"name": "logits", "dtype": "float32", "shape": ["batch_size", "sequence_length", cfg["vocab_size"]]},
            {
                "name": "present.{i}.key|value",
                "dtype": "float32",
                "shape": ["batch_size", cfg["n_head"], "total_sequence_length", cfg["n_embd"] // cfg["n_head"]],
            },
        ],
        "licence": {
            "spdx": "BSD-3-Clause",
            "note": "Trained on Debian's fortunes package (BSD-3-Clause, The Regents of the University of California); "
            "the quotations themselves are of mixed origin. See the card.",
        },
    }


def training_facts(model_id: str, previous: dict) -> dict | None:
    path = CKPT_DIR / f"{model_id}.pt"
    if not path.exists():
        return previous.get("training")
    ck = torch.load(path, map_location="cpu")
    st = ck["state"]
    params = sum(v.numel() for v in ck["model"].values())
    facts = {"steps": st["step"], "seconds": round(st["seconds"]), "parameters": params, "threads": 1}
    best = CKPT_DIR / f"{model_id}.best.pt"
    if best.exists():
        best_state = torch.load(best, map_location="cpu")["state"]
        facts["selected_step"] = best_state["step"]
        facts["selection"] = "best validation score (early stopping)"
        if "best_kind" in best_state:
            facts["selected_weights"] = {"ema": "moving average of the weights (decay 0.99)", "raw": "raw weights"}[best_state["best_kind"]]
    if st.get("runs"):
        # where and how long each run trained (train_image.py records them)
        facts["runs"] = st["runs"]
    if "final_val_loss" in st:
        facts["final_val_loss"] = round(st["final_val_loss"], 4)
    return facts


def main() -> None:
    manifest_path = MODELS_DIR / "manifest.json"
    old = {}
    if manifest_path.exists():
        old = {m["id"]: m for m in json.loads(manifest_path.read_text())["models"]}
    models = []
    for spec in MODELS + ([t] if (t := text_model()) else []):
        m = dict(spec)
        if not (MODELS_DIR / m["files"][0]["path"]).exists():
            continue
        for f in m["files"]:
            p = MODELS_DIR / f["path"]
            f["bytes"] = p.stat().st_size
            f["sha256"] = sha256_file(p)
        metrics_path = TRAIN_DIR / "metrics" / f"{m['id'] if m['kind'] != 'text-generation' else 'text'}.json"
        if metrics_path.exists():
            m["metrics"] = json.loads(metrics_path.read_text())
        ck_id = {"text-generation": "text", "image-to-gains": "autocolor3"}.get(m["kind"], m["id"])
        facts = training_facts(ck_id, old.get(m["id"], {}))
        if facts:
            m["training"] = facts
        models.append(m)
    write_json(manifest_path, {"version": 1, "basePath": "models/", "models": models})
    print(f"{manifest_path}: {len(models)} models, {sum(f['bytes'] for m in models for f in m['files'])} bytes")


if __name__ == "__main__":
    main()
