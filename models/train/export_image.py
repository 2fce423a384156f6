"""Export a trained image model to ONNX (opset 17, dynamic axes) plus weight-compressed variants,
and write the parity fixtures the TypeScript tests replay through onnxruntime-web.

    /usr/bin/python3 models/train/export_image.py autocolor|denoise|upscale2x

- autocolor (17.4 M weights, 70 MB in fp32) ships weight-compressed, with the float graph unchanged
  (its parameter-free input normalisation, ReduceMean/Add/Div, included):
  `model.onnx`: fc1/fc2 4-bit (symmetric, blocks of 32 along the input, fp16 scales), unpacked in
  the graph with plain float ops (Cast, Div, Floor, Sub, Mul, Concat, Reshape); conv2/conv3 int8 per
  output channel through DequantizeLinear. All of it is constant and folded by ORT at session start.
- denoise and upscale2x are tiny and ship fp32.
Fixtures (models/train/fixtures/<id>.json): fixed inputs, the PyTorch output of the *same* weights
(the shipped file's weights dequantized, tolerance 1e-3) and of the fp32 weights (tolerance
documented per variant).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

from common import CKPT_DIR, FIXTURES_DIR, MODELS_DIR, OPSET, SEED, load_split, log, srgb_to_linear, write_json
from nets import build

IO = {
    "autocolor": ("image", "gains", {0: "batch"}, {0: "batch"}),
    "denoise": ("image", "denoised", {0: "batch", 2: "height", 3: "width"}, {0: "batch", 2: "height", 3: "width"}),
    "upscale2x": (
        "image",
        "upscaled",
        {0: "batch", 2: "height", 3: "width"},
        {0: "batch", 2: "out_height", 3: "out_width"},
    ),
}


def load_trained(model_id: str) -> torch.nn.Module:
    model = build(model_id)
    if model_id == "autocolor":
        # v3 (train_autocolor.py): classic-estimate inputs, no input normalisation
        ck = torch.load(CKPT_DIR / "autocolor3.best.pt")
        model.load_state_dict(ck["model"])
        model.normalise = False
        return model.eval()
    best = CKPT_DIR / f"{model_id}.best.pt"
    ck = torch.load(best if best.exists() else CKPT_DIR / f"{model_id}.pt")
    model.load_state_dict(ck["model"])
    if model_id == "autocolor":
        model.normalise = ck["state"].get("normalise", False)  # v1 checkpoints had no normalisation
    model.eval()
    return model


def export_fp32(model: torch.nn.Module, model_id: str, path: Path) -> None:
    inp, out, in_axes, out_axes = IO[model_id]
    dummy = torch.rand(1, 3, 8, 8) * 2 - 1 if model_id == "autocolor" else torch.rand(1, 3, 32, 48)
    names = [inp]
    args: tuple = (dummy,)
    if getattr(model, "sigma_input", False):
        # the denoiser's noise level: [1,1,1,1] float32, sigma255 / 255 (manifest role `noise-level`)
        names.append("sigma")
        args = (dummy, torch.full((1, 1, 1, 1), 10 / 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        args,
        str(path),
        input_names=names,
        output_names=[out],
        dynamic_axes={inp: in_axes, out: out_axes},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    m.producer_name = "atelier models/train"
    onnx.save(m, str(path))


# ---------------------------------------------------------------------------------------------
# Weight compression (no onnxruntime quantizer on Debian: done by hand, in numpy)


def q8_per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric int8 per output channel: (q, scale, dequantized)."""
    flat = w.reshape(w.shape[0], -1)
    scale = np.maximum(np.abs(flat).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.round(flat / scale[:, None]), -127, 127).astype(np.int8)
    deq = (q.astype(np.float32) * scale[:, None].astype(np.float32)).reshape(w.shape)
    return q.reshape(w.shape), scale.astype(np.float32), deq


def q4_blocks(w: np.ndarray, block: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric 4-bit in blocks along the input axis: (packed uint8 [O, I/2], fp16 scales
    [O, I/block, 1], dequantized fp32). Element 2k sits in the low nibble, 2k+1 in the high one.

    Per block the scale is the one, among d = m/k (m the block's largest-magnitude weight, signed;
    k = +-5 ... +-8 in steps of 0.25), with the least squared error after rounding to -8..7: a
    negative d lets the extreme weight use level -8, so all 16 levels serve."""
    o, i = w.shape
    blocks = w.reshape(o, i // block, block).astype(np.float32)
    idx = np.abs(blocks).argmax(axis=2)[..., None]
    m = np.take_along_axis(blocks, idx, axis=2)
    m = np.where(np.abs(m) < 1e-12, 1e-12, m)
    best_err = np.full(m.shape, np.inf, np.float32)
    best = np.zeros(m.shape, np.float16)
    for k in [*np.arange(-8.0, -4.99, 0.25), *np.arange(5.0, 8.01, 0.25)]:
        d = (m / k).astype(np.float16)
        d32 = d.astype(np.float32)
        d32 = np.where(d32 == 0, 1e-12, d32)
        q = np.clip(np.round(blocks / d32), -8, 7)
        err = ((q * d32 - blocks) ** 2).sum(axis=2, keepdims=True)
        better = err < best_err
        best_err = np.where(better, err, best_err)
        best = np.where(better, d, best)
    scale = best
    s32 = scale.astype(np.float32)
    s32 = np.where(s32 == 0, 1e-12, s32)
    q = np.clip(np.round(blocks / s32), -8, 7).astype(np.int16) + 8  # 0..15
    deq = ((q.astype(np.float32) - 8) * scale.astype(np.float32)).reshape(o, i)
    q = q.reshape(o, i)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    return packed, scale, deq


def compress(src: Path, dst: Path, plan: dict[str, str]) -> dict[str, np.ndarray]:
    """Rewrite the initializers named in plan ('q8' or 'q4') as compressed tensors plus decoding
    nodes that produce the original name. Returns the dequantized weights (for the PyTorch reference)."""
    m = onnx.load(str(src))
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    nodes = []
    new_inits = []
    deq_weights: dict[str, np.ndarray] = {}
    for name, kind in plan.items():
        w = numpy_helper.to_array(inits[name]).astype(np.float32)
        g.initializer.remove(inits[name])
        if kind == "q8":
            q, scale, deq = q8_per_channel(w)
            new_inits += [
                numpy_helper.from_array(q, f"{name}_q8"),
                numpy_helper.from_array(scale, f"{name}_scale"),
                numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zero"),
            ]
            nodes.append(
                helper.make_node("DequantizeLinear", [f"{name}_q8", f"{name}_scale", f"{name}_zero"], [name], axis=0)
            )
        else:
            o, i = w.shape
            packed, scale, deq = q4_blocks(w)
            p = f"{name}_q4"
            new_inits += [
                numpy_helper.from_array(packed, p),
                numpy_helper.from_array(scale, f"{name}_scale16"),
                numpy_helper.from_array(np.array(16.0, np.float32), f"{p}_16"),
                numpy_helper.from_array(np.array(8.0, np.float32), f"{p}_8"),
                numpy_helper.from_array(np.array([o, i // 2, 1], np.int64), f"{p}_col"),
                numpy_helper.from_array(np.array([o, i // 32, 32], np.int64), f"{p}_blocks"),
                numpy_helper.from_array(np.array([o, i], np.int64), f"{p}_shape"),
            ]
            nodes += [
                helper.make_node("Cast", [p], [f"{p}_f"], to=TensorProto.FLOAT),
                helper.make_node("Div", [f"{p}_f", f"{p}_16"], [f"{p}_d"]),
                helper.make_node("Floor", [f"{p}_d"], [f"{p}_hi"]),
                helper.make_node("Mul", [f"{p}_hi", f"{p}_16"], [f"{p}_hi16"]),
                helper.make_node("Sub", [f"{p}_f", f"{p}_hi16"], [f"{p}_lo"]),
                helper.make_node("Reshape", [f"{p}_lo", f"{p}_col"], [f"{p}_lo3"]),
                helper.make_node("Reshape", [f"{p}_hi", f"{p}_col"], [f"{p}_hi3"]),
                helper.make_node("Concat", [f"{p}_lo3", f"{p}_hi3"], [f"{p}_pairs"], axis=2),
                helper.make_node("Reshape", [f"{p}_pairs", f"{p}_blocks"], [f"{p}_u"]),
                helper.make_node("Sub", [f"{p}_u", f"{p}_8"], [f"{p}_s"]),
                helper.make_node("Cast", [f"{name}_scale16"], [f"{p}_scale"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"{p}_s", f"{p}_scale"], [f"{p}_w"]),
                helper.make_node("Reshape", [f"{p}_w", f"{p}_shape"], [name]),
            ]
        deq_weights[name] = deq
    g.initializer.extend(new_inits)
    old_nodes = list(g.node)
    del g.node[:]
    g.node.extend(nodes + old_nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))
    return deq_weights


# ---------------------------------------------------------------------------------------------
# Fixtures


def fixture_inputs(model_id: str) -> torch.Tensor:
    """Small, fixed, realistic inputs cut from the first test image."""
    gen = torch.Generator().manual_seed(SEED)
    img = load_split("test", limit=1)[0]
    x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float()[None] / 255.0
    if model_id == "autocolor":
        from autocolor_features import features
        from train_autocolor import store

        lin = srgb_to_linear(x)
        gains = torch.tensor([[1.0, 1.0, 1.0], [1.4, 1.0, 0.7], [0.75, 1.0, 1.35], [1.1, 0.8, 1.1]])
        return torch.stack([features(p) for p in store(lin, gains)])
    h, w = x.shape[-2:]
    crop = x[:, :, h // 2 : h // 2 + 24, w // 2 : w // 2 + 40]
    if model_id == "denoise":
        return (crop + torch.randn(crop.shape, generator=gen) * (25 / 255)).clamp(0, 1)
    return crop[:, :, :12, :20]


def tensor_json(name: str, t: torch.Tensor) -> dict:
    return {"name": name, "dims": list(t.shape), "data": [float(f"{v:.7g}") for v in t.flatten().tolist()]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=list(IO))
    args = ap.parse_args()
    model_id = args.model
    model = load_trained(model_id)
    out_dir = MODELS_DIR / model_id
    out_dir.mkdir(parents=True, exist_ok=True)
    inp_name, out_name = IO[model_id][:2]
    x = fixture_inputs(model_id)
    extra: list[dict] = []
    with torch.no_grad():
        if getattr(model, "sigma_input", False):
            sigma = torch.full((1, 1, 1, 1), 25 / 255)
            ref32 = model(x, sigma)
            extra = [tensor_json("sigma", sigma)]
        else:
            ref32 = model(x)
    cases = []

    if model_id == "autocolor":
        fp32_path = CKPT_DIR / "autocolor.fp32.onnx"  # 70 MB: kept out of git
        export_fp32(model, model_id, fp32_path)
        variants = {
            "model.onnx": {
                "fc1.weight": "q4",
                "fc2.weight": "q4",
                "conv2.weight": "q8",
                "conv3.weight": "q8",
            },
        }
        for file, plan in variants.items():
            deq = compress(fp32_path, out_dir / file, plan)
            twin = build(model_id)
            twin.load_state_dict(model.state_dict())
            twin.normalise = model.normalise
            sd = twin.state_dict()
            for name, w in deq.items():
                sd[name] = torch.from_numpy(w).reshape(sd[name].shape)
            twin.load_state_dict(sd)
            twin.eval()
            torch.save(twin.state_dict(), CKPT_DIR / f"autocolor.{file}.dequantized.pt")
            with torch.no_grad():
                ref = twin(x)
            drift = (ref - ref32).abs().max().item()
            cases.append(
                {
                    "file": file,
                    "reference": "pytorch, the file's own weights dequantized",
                    "tolerance": 1e-3,
                    "input": tensor_json(inp_name, x),
                    "output": tensor_json(out_name, ref),
                }
            )
            cases.append(
                {
                    "file": file,
                    "reference": "pytorch fp32 weights",
                    "tolerance": max(1e-3, math.ceil(drift * 2 * 1000) / 1000),
                    "input": tensor_json(inp_name, x),
                    "output": tensor_json(out_name, ref32),
                }
            )
            log(f"{file}: {(out_dir / file).stat().st_size} bytes, max |q - fp32| on fixtures {drift:.5f}")
    else:
        export_fp32(model, model_id, out_dir / "model.onnx")
        cases.append(
            {
                "file": "model.onnx",
                "reference": "pytorch fp32 weights",
                "tolerance": 1e-3,
                "input": tensor_json(inp_name, x),
                **({"extraInputs": extra} if extra else {}),
                "output": tensor_json(out_name, ref32),
            }
        )
        log(f"model.onnx: {(out_dir / 'model.onnx').stat().st_size} bytes")
    ops = sorted({n.op_type for n in onnx.load(str(out_dir / 'model.onnx')).graph.node})
    log(f"ops: {ops}")
    write_json(FIXTURES_DIR / f"{model_id}.json", {"model": model_id, "cases": cases})


if __name__ == "__main__":
    main()
