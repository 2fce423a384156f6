"""Build the text corpus for the bundled Write-room model from Debian's `fortunes` package.

    /usr/bin/python3 models/train/text/prep_corpus.py

`apt-get install fortunes` puts BSD fortune(6) cookie files in /usr/share/games/fortunes/ (package
licence: 3-clause BSD, The Regents of the University of California; see the model card for the
caveat about quotations). Files that are off-topic for an artist's studio or mostly ASCII art,
code or system trivia are skipped. Each fortune becomes one document; 2% are held out (fixed seed).
Writes models/train/data/text/corpus.json.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA_DIR, SEED, log  # noqa: E402

FORTUNES = Path("/usr/share/games/fortunes")
SKIP = {
    "ascii-art", "ethnic", "drugs", "translate-me", "knghtbrd", "debian", "linuxcookie",
    "perl", "linux", "computers", "politics", "men-women", "startrek",
}


def main() -> None:
    if not FORTUNES.exists():
        raise SystemExit("install Debian's fortunes package first: apt-get install -y fortunes")
    docs: list[str] = []
    used = []
    for f in sorted(FORTUNES.iterdir()):
        if f.suffix or f.name in SKIP or f.is_dir():
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        items = [re.sub(r"[ \t]+\n", "\n", d).strip("\n") for d in re.split(r"^%$", text, flags=re.M)]
        items = [d for d in items if 20 <= len(d) <= 1500]
        docs += items
        used.append({"file": f.name, "fortunes": len(items)})
    rng = random.Random(SEED)
    rng.shuffle(docs)
    n_val = max(50, len(docs) // 50)
    out = DATA_DIR / "text" / "corpus.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"files": used, "train": docs[n_val:], "val": docs[:n_val]}))
    log(f"{len(docs)} fortunes from {len(used)} files, {sum(map(len, docs))} chars; {n_val} held out")


if __name__ == "__main__":
    main()
