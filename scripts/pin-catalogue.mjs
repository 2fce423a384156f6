#!/usr/bin/env node
/**
 * Pins the Write room's model catalogue (src/shared/write/catalogue.json): for each entry, the
 * branch's current commit becomes `revision`, and every listed file gets its SHA-256 and size.
 * LFS files (the ONNX weights) take the digest the hub records for them; small files (JSON) are
 * downloaded at that commit and hashed here. Needs network access to huggingface.co; run it by
 * hand, review the diff (a changed digest for an unchanged revision means something is wrong),
 * and commit. The app never trusts a server's word: it checks each downloaded file against these
 * pins.
 *
 *   node scripts/pin-catalogue.mjs            # pin entries that are not pinned yet
 *   node scripts/pin-catalogue.mjs --refresh  # move every entry to its branch's newest commit
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../src/shared/write/catalogue.json', import.meta.url));
const HUB = 'https://huggingface.co';
const refresh = process.argv.includes('--refresh');

async function json(url) {
  const res = await fetch(url).catch((cause) => {
    console.error(
      `Could not reach ${HUB} (${cause.cause?.code ?? cause.message}); nothing changed.`,
    );
    process.exit(1);
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

async function pin(entry) {
  const info = await json(
    `${HUB}/api/models/${entry.repo}/revision/${encodeURIComponent(entry.branch ?? 'main')}?blobs=true`,
  );
  const revision = info.sha;
  if (!/^[0-9a-f]{40}$/.test(revision)) throw new Error(`${entry.repo}: no commit in the answer`);
  const siblings = new Map(info.siblings.map((s) => [s.rfilename, s]));
  const files = [];
  for (const f of entry.files) {
    const s = siblings.get(f.path);
    if (!s) throw new Error(`${entry.repo}@${revision} has no ${f.path}`);
    let sha256 = s.lfs?.sha256;
    let bytes = s.lfs?.size ?? s.size;
    if (!sha256) {
      const res = await fetch(`${HUB}/${entry.repo}/resolve/${revision}/${f.path}`);
      if (!res.ok) throw new Error(`${f.path}: HTTP ${res.status}`);
      const body = Buffer.from(await res.arrayBuffer());
      sha256 = createHash('sha256').update(body).digest('hex');
      bytes = body.length;
    }
    files.push({ path: f.path, sha256, bytes });
  }
  const approxBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  return { ...entry, revision, approxBytes, files };
}

const list = JSON.parse(readFileSync(FILE, 'utf8'));
for (const [i, entry] of list.entries.entries()) {
  const pinned = entry.revision && entry.files.every((f) => f.sha256 && f.bytes >= 0);
  if (pinned && !refresh) continue;
  list.entries[i] = await pin(entry);
  console.log(`${entry.id}: ${list.entries[i].revision}`);
}
writeFileSync(FILE, `${JSON.stringify(list, null, 2)}\n`);
