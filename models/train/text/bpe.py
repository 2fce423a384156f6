"""A GPT-2-style byte-level BPE: trainer, encoder and Hugging Face `tokenizer.json` writer.

    /usr/bin/python3 models/train/text/bpe.py [VOCAB_SIZE]

Debian has no `tokenizers`, so this is written by hand: GPT-2's byte-to-unicode map and
pre-tokenisation regex, merges learned by pair frequency, `<|endoftext|>` as the last id.
Writes models/train/data/text/{tokenizer.json, train.u16, val.u16, ref_encodings.json}.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import regex

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA_DIR, log  # noqa: E402

PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = "<|endoftext|>"
TEXT_DIR = DATA_DIR / "text"


def bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENC = bytes_to_unicode()


def pretokenize(text: str) -> list[str]:
    return ["".join(BYTE_ENC[b] for b in tok.encode("utf-8")) for tok in PAT.findall(text)]


def train(texts: list[str], vocab_size: int) -> list[tuple[str, str]]:
    words = Counter(w for t in texts for w in pretokenize(t))
    seqs = [list(w) for w in words]
    freqs = [words[w] for w in words]
    pair_count: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pair_count[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    merges: list[tuple[str, str]] = []
    n_merges = vocab_size - 256 - 1
    while len(merges) < n_merges and pair_count:
        best = max(pair_count.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_count[best] < 2:
            break
        merges.append(best)
        merged = best[0] + best[1]
        for i in list(where[best]):
            s = seqs[i]
            f = freqs[i]
            for a, b in zip(s, s[1:]):
                pair_count[(a, b)] -= f
                if pair_count[(a, b)] <= 0:
                    del pair_count[(a, b)]
                where[(a, b)].discard(i)
            out = []
            j = 0
            while j < len(s):
                if j < len(s) - 1 and s[j] == best[0] and s[j + 1] == best[1]:
                    out.append(merged)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            for a, b in zip(out, out[1:]):
                pair_count[(a, b)] += f
                where[(a, b)].add(i)
        where.pop(best, None)
    return merges


class Encoder:
    def __init__(self, merges: list[tuple[str, str]]):
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.vocab = {BYTE_ENC[b]: b for b in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[a + b] = 256 + i
        self.eot = len(self.vocab)
        self.vocab[EOT] = self.eot
        self.cache: dict[str, list[int]] = {}

    def _bpe(self, word: str) -> list[int]:
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), k) for k, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, k = min(pairs)
            if rank == 1 << 30:
                break
            parts = parts[:k] + [parts[k] + parts[k + 1]] + parts[k + 2 :]
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        return [i for w in pretokenize(text) for i in self._bpe(w)]

    def decode(self, ids: list[int]) -> str:
        inv = {v: k for k, v in self.vocab.items()}
        byte_dec = {c: b for b, c in BYTE_ENC.items()}
        s = "".join(inv[i] for i in ids if i != self.eot)
        return bytes(byte_dec[c] for c in s).decode("utf-8", errors="replace")


def tokenizer_json(enc: Encoder, merges: list[tuple[str, str]]) -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": enc.eot, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True}
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": enc.vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


def main() -> None:
    vocab_size = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    corpus = json.loads((TEXT_DIR / "corpus.json").read_text())
    merges = train(corpus["train"], vocab_size)
    enc = Encoder(merges)
    log(f"{len(merges)} merges, vocab {len(enc.vocab)}")
    (TEXT_DIR / "tokenizer.json").write_text(json.dumps(tokenizer_json(enc, merges), ensure_ascii=False))
    for split in ("train", "val"):
        ids: list[int] = []
        for doc in corpus[split]:
            ids += enc.encode(doc) + [enc.eot]
        np.array(ids, dtype=np.uint16).tofile(TEXT_DIR / f"{split}.u16")
        log(f"{split}: {len(ids)} tokens")
    samples = ["The artist", "  spaces  and\n\nnewlines ", "Café — naïve “quotes” 123,456", "a\tb", corpus["val"][0]]
    (TEXT_DIR / "ref_encodings.json").write_text(json.dumps([{"text": s, "ids": enc.encode(s)} for s in samples]))


if __name__ == "__main__":
    main()
