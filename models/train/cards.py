"""Render models/<id>/CARD.md from the manifest (files, training facts, metrics), so every number
in a card is the one the pipeline measured.

    /usr/bin/python3 models/train/cards.py        (run after manifest.py; run.py does both)
"""

from __future__ import annotations

import json

from common import MODELS_DIR

REPRO = {
    "autocolor": "npm run models:train -- data --install && npm run models:train -- autocolor --budget 1800 --fresh && npm run models:eval -- autocolor",
    "denoise": "npm run models:train -- data --install && npm run models:train -- denoise --budget 3600 --fresh && npm run models:eval -- denoise",
    "upscale2x": "npm run models:train -- data --install && npm run models:train -- upscale2x --budget 5100 --fresh && npm run models:eval -- upscale2x",
    "text": "npm run models:train -- text --budget 1500 --fresh && /usr/bin/python3 models/train/text/train_text.py --budget 1200 --planned 2700 && /usr/bin/python3 models/train/text/export_text.py && npm run models:eval -- text",
}

DATA = """## Data
Photographs and photo-like wallpapers from Debian packages (`gnome-backgrounds`, `mate-backgrounds`,
`plasma-workspace-wallpapers`, `ukui-wallpapers`, `lomiri-wallpapers-16.04/-20.04`), collected and
cleaned by `models/train/collect.py`: images under 640 px, flat renders (fewer than 500 distinct 5-bit
colours or mean |Laplacian| under 2 at 256 px) and duplicates (the same wallpaper at many resolutions,
light/dark pairs: difference hash) are dropped; the rest is resized to 1024 px on the long side and
split 80/10/10 *by wallpaper* with a fixed seed. Licences (GPL-2+, CC-BY-SA-2.0/3.0/4.0, CC-BY-2.0/4.0,
CC0-1.0, Expat) and every kept file with its package and split are in `models/train/data-sources.json`;
the images themselves are not committed. The heuristic filter keeps some texture-rich digital renders,
and the set is small (tens of images): this is the dominant limit of all three models."""


AUTOCOLOR_DATA = """## Data
Photographs from Debian packages, collected and cleaned by `models/train/collect.py`:
- wallpapers (`gnome-backgrounds`, `mate-backgrounds`, `plasma-workspace-wallpapers`,
  `ukui-wallpapers`, `lomiri-wallpapers-16.04/-20.04`; GPL-2+, CC-BY-SA-2.0/3.0/4.0, CC-BY-2.0/4.0,
  CC0-1.0, Expat): {wall} kept;
- GCompris' photographs (`gcompris-qt-data`: monuments, animals, musicians, the "erase" nature
  photos, painting details), read out of its Qt resource bundles; each image's licence comes from the
  package's machine-readable copyright file (GPL-3/GPL-3+ mostly, some CC-BY(-SA), GFDL, public
  domain): {gc} kept;
- sample photographs from `python3-skimage` (astronaut, coffee, rocket, motorcycle: public domain /
  CC0) and `python-matplotlib-data` (Grace Hopper, public domain): {samples} kept.

Cleaning drops images under 640 px (384 px for the GCompris and sample photos) on the short side,
cut-outs (GCompris' cartoons: more than 2% transparent pixels), flat renders (fewer than 500 distinct
5-bit colours or mean |Laplacian| under 2 at 256 px) and duplicates (difference hash). The rest is
resized to 1024 px on the long side and split 80/10/10 by source image with a fixed seed (the
wallpapers and the added sources are split separately, so the wallpapers keep their earlier split):
{counts}. Every kept file with its package, licence and split is in
`models/train/data-sources.json`; the images themselves are not committed."""


def data_counts() -> dict:
    path = MODELS_DIR / "train" / "data-sources.json"
    if not path.exists():
        return {}
    src = json.loads(path.read_text())
    pk = [k["package"] for k in src["images"]]
    wall = sum(1 for p in pk if p not in ("gcompris-qt-data", "python3-skimage", "python-matplotlib-data"))
    c = src.get("counts", {})
    return {
        "wall": wall,
        "gc": pk.count("gcompris-qt-data"),
        "samples": pk.count("python3-skimage") + pk.count("python-matplotlib-data"),
        "counts": f"{c.get('train')} train, {c.get('val')} validation, {c.get('test')} test images",
    }


def table(rows: dict, cols: list[tuple[str, str]]) -> str:
    head = "| method | " + " | ".join(c[1] for c in cols) + " |\n|---|" + "---|" * len(cols) + "\n"
    return head + "".join(
        f"| {name} | " + " | ".join(str(v.get(c[0], "")) for c in cols) + " |\n" for name, v in rows.items()
    )


def files_table(m: dict) -> str:
    return "\n".join(f"- `models/{f['path']}` — {f['bytes']:,} bytes, sha256 `{f['sha256'][:16]}…`" + (f", {f['dtype']}" if f.get("dtype") else "") for f in m["files"])


def contract(m: dict) -> str:
    lines = []
    for kind, ts in (("in", m["inputs"]), ("out", m["outputs"])):
        for t in ts:
            extra = ", ".join(f"{k} {t[k]}" for k in ("range", "colorSpace") if k in t)
            lines.append(f"- {kind}: `{t['name']}` {t['dtype']} `{t['shape']}`" + (f" ({extra})" if extra else "") + (f" — {t['description']}" if t.get("description") else ""))
    return "\n".join(lines)


def training(m: dict) -> str:
    t = m.get("training") or {}
    if not t:
        return "not recorded"
    kind = f", {t['selected_weights']}" if t.get("selected_weights") else ""
    sel = f"; the shipped weights are from step {t['selected_step']:,} (best on the validation split{kind})" if "selected_step" in t else ""
    runs = t.get("runs") or []
    if runs:
        where = "; ".join(
            f"{r['steps']:,} steps in {r['seconds'] / 60:.1f} min on "
            + ("one CPU thread (2-vCPU VM shared with other jobs)" if r["device"] == "cpu" else f"a GPU, {r['device']}")
            + f", batch {r['batch']}"
            for r in runs
        )
        return f"{t['steps']:,} steps in {t['seconds'] / 60:.1f} min in all ({len(runs)} run{'s' if len(runs) > 1 else ''}: {where}){sel}; {t['parameters']:,} parameters"
    return f"{t['steps']:,} steps in {t['seconds'] / 60:.1f} min on one CPU thread (2-vCPU VM shared with other jobs){sel}; {t['parameters']:,} parameters"


def wallpapers_only(met: dict) -> str:
    sub = met.get("wallpapers_only") or {}
    if not sub.get("rows"):
        return ""
    return (
        f"The same casts on the {sub['test_images']} wallpapers alone (the whole test split before the GCompris photos "
        "were added):\n\n"
        + table(sub["rows"], [("median_deg", "median °"), ("mean_deg", "mean °"), ("worst25_deg", "worst 25% mean °")])
        + verdict_line(sub["rows"], "On the wallpapers alone the target")
        + "\n"
    )


def verdict_line(rows: dict, what: str) -> str:
    gw = rows.get("gray-world", {}).get("median_deg")
    net = rows.get("network shipped (model.onnx: 4-bit fc, int8 conv)", {}).get("median_deg")
    if not (gw and net):
        return ""
    return f"\n{what} (≤ {gw / 2:.2f}°) is **{'met' if net <= gw / 2 else 'not met'}** ({net:.2f}°).\n"


def autocolor(m: dict) -> str:
    met = m.get("metrics", {})
    rows = met.get("rows", {})
    shipped = next((v for k, v in rows.items() if k.startswith("network") and "shipped" in k), {})
    fp = next((v for k, v in rows.items() if k.startswith("network") and "fp32" in k), {})
    classic = {k: v for k, v in rows.items() if not k.startswith(("network", "no correction", "previous"))}
    best_name, best = min(classic.items(), key=lambda kv: kv[1]["median_deg"]) if classic else ("", {})
    verdict = ""
    if shipped and best:
        target = 0.6 * best["median_deg"]
        worst_best = min(v["worst25_deg"] for v in classic.values())
        verdict = (
            f"Targets on the test split: median ≤ 0.6 × the best classic method's ({best_name}: "
            f"{best['median_deg']:.2f}° → ≤ {target:.2f}°): **{'met' if shipped['median_deg'] <= target else 'not met'}** "
            f"({shipped['median_deg']:.2f}°, {shipped['median_deg'] / best['median_deg']:.2f}× the best classic); "
            f"worst 25% no worse than the best classic's ({worst_best:.2f}°): "
            f"**{'met' if shipped['worst25_deg'] <= worst_best else 'not met'}** ({shipped['worst25_deg']:.2f}°). "
        )
    return f"""# Auto colour (`autocolor`)

The design paper's effect-rendering network, trained here to automate one effect parameter set: it
predicts the three per-channel gains that remove a colour cast. In the Render room the gains feed an
ordinary, editable colour adjustment (so a person's tweak is a recorded manual intervention).

## Architecture (the paper's, unchanged)
| layer | shape |
|---|---|
| conv 3×3, padding 1, ReLU | 3 → 64 channels, 8×8 |
| conv 3×3, padding 1, ReLU | 64 → 128, 8×8 |
| conv 3×3, padding 1, ReLU | 128 → 256, 8×8 |
| flatten | 256·8·8 = 16384 |
| fully connected, ReLU | 16384 → 1024 |
| fully connected, ReLU | 1024 → 256 |
| fully connected | 256 → 3 |

Loss MSE on the gains, Adam lr 0.001 (the paper's), batch 128. 17,412,227 parameters (16.8 M of them
in the first dense layer: 67 MB in fp32).

## What goes into the 3×8×8 input (v3)
v1 and v2 fed the image area-averaged to 8×8, which throws away the highlights and edges every good
classic estimator relies on (v2 tied white-patch). v3 fills each of the 64 cells with one *classic
estimate* of the illuminant's colour, as log-chroma (log RGB minus its mean, clamped to ±4), so a
colour cast adds the same vector to every cell and the network learns how to weigh and correct the
classic answers (`models/train/autocolor_features.py`; the app computes the same in
`src/shared/autocolor.ts`, pinned by `models/train/fixtures/autocolor-features.json`):

| row | estimates (8 columns) |
|---|---|
| 0 | shades of grey, p = 1 (gray-world), 2, 3, 4, 6, 8, 12, max |
| 1 | per-channel percentiles 50, 75, 90, 95, 97.5, 99, 99.5 and the plain max-RGB |
| 2 | grey-edge: Minkowski mean of the gradient magnitude, p = 1 … max |
| 3 | the same on a 2× coarser copy |
| 4 | mean colour of 8 equal-count brightness bands |
| 5 | mean colour of 8 equal-count saturation bands |
| 6 | mean colour of 8 horizontal strips |
| 7 | shades of grey p = 8 in the same strips |

Estimates skip clipped pixels (any channel at or above 0.95 in linear light) except the plain max and
the strips. The working image: linear light, area-averaged to a long side of at most 256 px.

## Contract
{contract(m)}

## Files
{files_table(m)}

`model.onnx` keeps the float graph and stores weights compressed: fc1 and fc2 as symmetric 4-bit
(blocks of 32 inputs, fp16 scales), unpacked inside the graph with plain float ops; conv2/conv3 int8
per output channel through DequantizeLinear; conv1, fc3 and biases fp32. Opset 17, batch axis dynamic.
Accuracy cost of the compression on the test split: median {fp.get('median_deg', '?')}° (fp32) →
{shipped.get('median_deg', '?')}° (shipped).

{AUTOCOLOR_DATA.format(**data_counts()) if data_counts() else DATA}

## Self-supervision
A training example is a *stored photo*: a random view of a training image (a crop of 30–100% of each
side, or 30% of the time the whole image; one of the 8 flips/turns; half of the time a hue rotation
about the grey axis), multiplied in linear light by a random cast (blue–orange ±0.6 and green–magenta
±0.25 in log-gain, the evaluation's distribution) and an exposure e^±0.5, clipped to [0, 1] and
rounded to 8-bit sRGB, as a camera or an editor stores it. The input is the features of that photo;
the target the gains that undo the cast. The features take ~20 ms a view on one thread, so the views
are made once into banks (`train_autocolor.py bank`: 48,000 training views, 1,400 validation views
of the whole validation images) and the network trains on the banks, with a moving average of the
weights; the validation median picks the shipped weights.

## Training
{training(m)}. Time-budgeted, checkpointed and resumable (`train_autocolor.py train --budget S`,
without `--fresh` it resumes). The validation median stopped improving after ~1,800 steps (the
training loss kept falling: the 48,000 views of a few hundred photos are learned by heart), so the run
was stopped early and the best weights exported.

## Evaluation (test split, {met.get('test_images', '?')} images × {met.get('casts_per_image', '?')} casts, each stored as an 8-bit photo)
Angular error in degrees between the true cast and each method's illuminant estimate; every classic
method's parameters chosen on the validation split (`models/train/eval_autocolor.py`).

{table(rows, [("median_deg", "median °"), ("mean_deg", "mean °"), ("worst25_deg", "worst 25% mean °")])}
{verdict}Reproduce: `{REPRO['autocolor']}` (the eval alone: `npm run models:eval -- autocolor`).

## Licence of the weights
`CC-BY-SA-4.0 AND GPL-3.0-or-later` (models/manifest.json). Most training photos are GPL-3+
(GCompris) or CC-BY-SA; whether trained weights are a derivative of their training images is
unsettled, so the weights carry both copyleft terms and every source is attributed in
`models/train/data-sources.json`.

## Limits and what more time would give
- The training set is about two hundred photographs (wallpapers, GCompris' photos); the network learns
  a prior from them, and white-patch, which sees full-resolution highlights the 8×8 input cannot,
  stays strong on images with a white object. More and more varied photographs remain the first
  thing to add; the test split ({met.get('test_images', '?')} images) still makes the median move by
  tenths of a degree between splits.
- The casts are synthetic (per-channel gains on already white-balanced photographs), drawn from the
  same distribution in training and test; real camera casts are not measured here.
- Only global, single-illuminant casts; mixed lighting is out of scope. Strong exposure clipping
  biases the estimate.
"""


def image_model(m: dict, title: str, what: str, arch: str, recipe: str, evaluation: str, limits: str, key: str) -> str:
    return f"""# {title} (`{m['id']}`)

{what}

## Architecture
{arch}

## Contract
{contract(m)}

## Files
{files_table(m)}

fp32, opset 17, dynamic batch/height/width. Parity with PyTorch in `models/parity.test.ts`
(onnxruntime-web WASM in Node, tolerance 1e-3).

{AUTOCOLOR_DATA.format(**data_counts()) if data_counts() else DATA}

## Training
{recipe}

{training(m)}. Time-budgeted, checkpointed and resumable.

## Evaluation (test split)
{evaluation}

Reproduce: `{REPRO[key]}` (the eval alone: `npm run models:eval -- {key}`).

## Limits and what more time would give
{limits}
"""


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def shipped_row(rows: dict, suffix: str = "") -> tuple[str, dict] | None:
    """The shipped network's row (the file in models/<id>/), Auto sigma for a denoiser."""
    for k, v in rows.items():
        if k.startswith("network") and "shipped" in k and k.endswith(suffix):
            return k, v
    return None


def best_classic_row(rows: dict) -> tuple[str, dict] | None:
    cands = [(k, v) for k, v in rows.items() if v.get("classic")]
    return max(cands, key=lambda kv: kv[1]["psnr_db"]) if cands else None


def denoise_verdicts(levels: dict) -> list[str]:
    """The issue's targets, each with what was measured: >= +0.5 dB over the best classic method at
    sigma 10-50, never below the noisy input at sigma 5, >= 40 dB against a clean input (Auto)."""
    out = []
    for key, g in levels.items():
        rows = g["rows"]
        net = shipped_row(rows, ", Auto σ") or shipped_row(rows)
        if not net:
            continue
        nv = net[1]["psnr_db"]
        if key == "sigma0":
            out.append(f"- clean photo, Auto: {nv:.2f} dB against the input (target ≥ 40 dB: **{'met' if nv >= 40 else 'not met'}**)")
        elif key == "sigma5":
            noisy = rows["noisy input"]["psnr_db"]
            out.append(f"- σ 5: {nv - noisy:+.2f} dB over the noisy input (target: not below it: **{'met' if nv >= noisy else 'not met'}**)")
        else:
            best = best_classic_row(rows)
            if best:
                gain = nv - best[1]["psnr_db"]
                target = "≥ +0.5 dB" if key != "poisson" else "reported"
                verdict = ("met" if gain >= 0.5 else "not met") if key != "poisson" else ("ahead" if gain > 0 else "behind")
                out.append(f"- {g['words']}: {gain:+.2f} dB over the best classic, {best[0]} (target {target}: **{verdict}**)")
    return out


def denoise(m: dict) -> str:
    met = m.get("metrics", {})
    levels = met.get("levels", {})
    ev = (
        f"{met.get('test_images', '?')} test photographs, 512×512 centre crops. "
        + first_upper(met.get("protocol", "") + ".")
        + " PSNR and SSIM of the outputs rounded to 8 bits, against the clean crop.\n\n"
    )
    for g in levels.values():
        rows = {k: {kk: vv for kk, vv in v.items() if kk != "classic"} for k, v in g["rows"].items()}
        ev += f"**{g['words']}**\n\n" + table(rows, [("psnr_db", "PSNR dB"), ("ssim", "SSIM")]) + "\n"
    verdicts = denoise_verdicts(levels)
    if verdicts:
        ev += "Against the targets (the shipped file, fed the Auto estimate):\n\n" + "\n".join(verdicts) + "\n"
    return image_model(
        m,
        "Denoise",
        "A denoiser for 8-bit photographs that is told the noise level, as FFDNet is: a small residual CNN "
        "that predicts the noise and subtracts it. The Render room feeds it the noise it estimates in the "
        "image (Auto, the default: the finest diagonal wavelet band's median / 0.6745, as "
        "`src/shared/effects/noise.ts` computes it) or a named level (Light, Medium, Strong), and mixes "
        "its output with the input by a slider.",
        "DnCNN-style: the image plus a constant fourth channel 5·σ (σ as a fraction of full range) → conv 3×3 4→24, ReLU, "
        "5 × (conv 3×3 24→24, ReLU), conv 3×3 24→3; output `clamp(x − net(x, σ), 0, 1)`. 27,579 parameters, "
        "about 27 k multiply-adds per pixel; receptive field 15×15, so tiles need at least 7 px of overlap "
        "(the manifest says 8). v3 is v2 (32 channels, 48 k multiply-adds per pixel) narrowed to 24 channels "
        "and fine-tuned: the CPU preview runs the network on the whole preview-sized image, and v2 took 3.8 s "
        "at 1 MP there.",
        "v3 started from v2's weights: each hidden layer kept the 24 of its 32 channels with the largest "
        "|incoming| × |outgoing| weights (`nets.Denoise.load_narrowed`), then trained on random 64×64 patches "
        "(flips and 90° turns) of the training photographs in sRGB, every input clipped and rounded to 8 bits: "
        "10 % clean with σ 0, 10 % clean with their own Auto estimate (so Auto leaves a clean photo alone), "
        "30 % Gaussian noise with σ uniform in 0–55 (of 255) given as is, 30 % the same noise given the Auto "
        "estimate, 20 % Poisson–Gaussian noise (10–316 photons at white plus read noise σ 0–4) given the Auto "
        "estimate. MSE against the clean patch, Adam, lr 5e-4 with a cosine decay over the run, batch 16. "
        "v2 (the same recipe, 89 min) had started from the first, blind model's weights.",
        ev,
        "- Trained on synthetic, independent per-pixel noise; real camera noise (demosaiced, JPEG-compressed, "
        "colour-correlated) is only approximated by the Poisson–Gaussian part.\n"
        "- Small data (a few hundred photographs) and one CPU thread: longer runs (the checkpoint resumes) and "
        "more photographs would add most at high σ; a deeper or wider net costs WASM speed (the CPU preview "
        "runs it on the whole preview-sized image).",
        "denoise",
    )


def upscale(m: dict) -> str:
    met = m.get("metrics", {})
    kinds = met.get("lr_kinds", {})
    ev = (
        f"{met.get('test_images', '?')} test photographs. " + first_upper(met.get("protocol", "") + ".") + "\n\n"
    )
    verdicts = []
    for g in kinds.values():
        rows = g["rows"]
        ev += f"**{g['words']}**\n\n" + table(rows, [("psnr_db", "PSNR dB"), ("psnr_luma_db", "PSNR luma dB"), ("ssim", "SSIM")]) + "\n"
        net = shipped_row(rows)
        if net and "Lanczos" in rows:
            gain = net[1]["psnr_db"] - rows["Lanczos"]["psnr_db"]
            verdicts.append(f"- {g['words']}: {gain:+.2f} dB over Lanczos (target ≥ +1.5 dB: **{'met' if gain >= 1.5 else 'not met'}**)")
    if verdicts:
        ev += "Against the target (the shipped file):\n\n" + "\n".join(verdicts) + "\n"
    return image_model(
        m,
        "Upscale 2×",
        "2× super-resolution, ESPCN-like: every convolution runs at the input resolution and a pixel shuffle (ONNX DepthToSpace) makes the 2× output.",
        "conv 5×5 3→32, ReLU, 4 × (conv 3×3 32→32, ReLU), conv 3×3 32→12; plus a linear 5×5 skip 3→12 "
        "(initialised to copy each channel into its four sub-pixels; training fits it as an interpolation "
        "filter); sum → pixel shuffle ×2 → clamp to [0, 1]. 43,792 parameters, about 43 k multiply-adds "
        "per input pixel; receptive field 15×15 input pixels (tiles: overlap ≥ 7 input px; the manifest says 8).",
        "Self-supervised on random 96×96 patches (flips and 90° turns) of the training photographs in sRGB, "
        "each downscaled 2× at random by area averaging or by antialiased bicubic and rounded to 8 bits; MSE "
        "against the original patch, Adam, lr 1e-3 with a cosine decay over the run, batch 16; He initialisation.",
        ev,
        "- Trained on clean downscales: JPEG-compressed or noisy inputs are out of distribution.\n"
        "- More data and time, a wider net or a perceptual loss would sharpen textures; a bigger net costs WASM speed.",
        "upscale2x",
    )


def text(m: dict) -> str:
    met = m.get("metrics", {})
    rows = met.get("rows", {})
    return f"""# Atelier fortune GPT-2 (`{m['id']}`) — the Write room's bundled model

A tiny GPT-2 trained here so the Write room works offline out of the box. It writes short
fortune-cookie-flavoured lines: useful as a spark beside the grounded drafts, not as good prose.
Bigger models can be added from disk or downloaded.

## Architecture
GPT-2 (HF parameter names and shapes): 4 layers, 192 wide, 6 heads of 32, gelu_new, LayerNorm ε 1e-5,
tied input/output embeddings, **context 512 tokens** (`n_positions`). Byte-level BPE with 4,096 tokens
(256 bytes + 3,839 merges + `<|endoftext|>` = id 4095, also BOS/EOS), GPT-2's pre-tokenisation.
{m.get('training', {}).get('parameters', 0):,} parameters.

## Files (transformers.js layout; `env.localModelPath = '<origin>/models/text/'`)
{files_table(m)}

- `onnx/model.onnx` is the default for `device: 'webgpu'` and Node CPU; `onnx/model_quantized.onnx`
  (`dtype: 'q8'`, weight-only int8 with DequantizeLinear) is transformers.js's default on `'wasm'`.
- No `model.safetensors` is shipped (transformers.js does not read it).

## Contract (one "with past" decoder, opset 14)
{contract(m)}

Batch is named `batch_size`; heads and head size are static, as transformers.js builds its empty
first-step cache from the graph's input metadata. Prompt plus new tokens must stay within 512
(the Write room clamps them); position 512 and beyond is out of range.

## Corpus and licence
Debian's `fortunes` package (`/usr/share/games/fortunes`), skipping off-topic or offensive files
(ascii-art, ethnic, drugs, translate-me, knghtbrd, debian, linuxcookie, perl, linux, computers,
politics, men-women, startrek): about 10,700 fortunes, 1.7 MB, 2% held out. The package is under
the 3-clause BSD licence (The Regents of the University of California); the quotations themselves are
of mixed origin (many from recent authors), so the provenance is "distributed by Debian in main", not
a clean public-domain corpus. A public-domain corpus (e.g. Project Gutenberg texts) would be cleaner
and is the first thing to swap in; nothing else in the pipeline changes.

## Training
`models/train/text/`: `prep_corpus.py` → `bpe.py` (hand-written BPE trainer and `tokenizer.json`
writer) → `train_text.py` (batch 8 × 512 tokens, AdamW lr 2e-3, betas 0.9/0.95, weight decay 0.1,
100 warm-up steps, cosine to 10%, clip 1.0) → `export_text.py` (ONNX with KV cache, q8, configs and the
greedy fixtures). {training(m)}: a 1500 s run, then a resumed 1200 s run whose cosine schedule spans
2700 s. That is {m.get('training', {}).get('steps', 0) * 4096:,} training tokens (about
{m.get('training', {}).get('steps', 0) * 4096 / 557368:.1f} epochs of the 557 k-token training stream): the shared VM gave the run
a quarter to a half of one core, so 45 minutes bought about as many tokens as lmprobe's 14-minute run.

## Evaluation (held-out fortunes, {met.get('val_tokens', '?')} tokens)
{table(rows, [("loss", "nats/token"), ("perplexity", "perplexity")])}
Reproduce: `{REPRO['text']}`. `models/text.test.ts` checks that transformers.js greedy output equals
PyTorch's token for token, that the tokenizer matches the Python BPE, that generation past position
256 works and that the q8 file loads.

## Limits and what more time would give
Validation loss was still falling when the budget ended; the issue allows about two hours, and a
longer run (it resumes from its checkpoint) plus a larger public-domain corpus would improve it the
most. It does not follow instructions and knows nothing about the image: the Write room's grounded
drafts carry the facts.
"""


def main() -> None:
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text())
    for m in manifest["models"]:
        render = {"autocolor": autocolor, "denoise": denoise, "upscale2x": upscale}.get(m["id"])
        if m["kind"] == "text-generation":
            render = text
        if render is None:
            continue
        path = MODELS_DIR / m["card"]
        path.write_text(render(m))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
