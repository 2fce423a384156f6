#!/bin/sh
# One prepared training run of an image model on a lent GPU (the library's `device` tool), for a
# fixed budget, resuming from the committed checkpoint. Prepare here first:
#   /usr/bin/python3 models/train/pack.py          # models/train/data/pack.pt, <= 48 MiB
# then run on the device (from the repository root), carrying the pack:
#   command: sh models/train/gpu-run.sh denoise 420      carry: ["models/train/data/pack.pt"]
# It writes the new checkpoints and the log under $OUT; copy $OUT/checkpoints/* back into
# models/train/checkpoints/ here, then export and evaluate on the CPU:
#   npm run models:train -- export denoise && npm run models:eval -- denoise
set -eu
model=${1:?model: denoise or upscale2x}
budget=${2:-420}
: "${OUT:?OUT: the folder that comes back}"
mkdir -p "$OUT/checkpoints"
# the committed checkpoints (and denoise.v1.pt, where a fresh denoise run starts)
for f in models/train/checkpoints/"$model".pt models/train/checkpoints/"$model".best.pt \
  models/train/checkpoints/"$model".v1.pt; do
  if [ -f "$f" ]; then cp "$f" "$OUT/checkpoints/"; fi
done
cd models/train
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
PYTHONUNBUFFERED=1 ATELIER_CKPT_DIR="$OUT/checkpoints" OMP_NUM_THREADS=8 \
  python3 train_image.py "$model" --pack data/pack.pt --device cuda --batch 64 --budget "$budget" 2>&1 |
  tee "$OUT/train-$model.log"
