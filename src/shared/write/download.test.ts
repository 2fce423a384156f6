/**
 * The whole download path against a local HTTP server serving the fixture model in the Hugging
 * Face URL layout (<repo>/resolve/<revision>/<path>), with real fetch and WebCrypto: the size
 * before, quota, progress, every file checked against its pin (a tampered JSON file as much as a
 * tampered ONNX), a connection cut mid-file resumed by a range request, a cancelled download
 * resumed from its kept parts, and nothing fetched offline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CATALOGUE,
  catalogueEntry,
  downloadModel,
  forgetParts,
  memoryParts,
  pinProblem,
  planDownload,
  type CatalogueEntry,
  type DownloadEnv,
} from './download';
import { checkModelFolder } from './model-files';
import { TINY_GPT2_DIR, TINY_GPT2_FILES } from '../../../test/fixtures/text/tiny-gpt2';

const FIXTURE = TINY_GPT2_DIR;
const PATHS: readonly string[] = TINY_GPT2_FILES;
const REVISION = 'a'.repeat(40);
const bytesOf = (p: string) => readFileSync(join(FIXTURE, p));
const shaOf = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TOTAL = PATHS.reduce((s, p) => s + bytesOf(p).length, 0);

let server: Server;
let baseUrl: string;
/** Behaviour switches for the next requests. */
function freshServerState() {
  return {
    /** Paths served with one byte changed. */
    tamper: [] as string[],
    /** Cut the connection after this many bytes of a file's body, this many times. */
    cutAfter: 0,
    cuts: 0,
    /** Answer range requests with the whole file (a server without range support). */
    ignoreRange: false,
    /** Leave Content-Range out of a 206 (a cross-origin server that does not expose it). */
    hideContentRange: false,
    /** Resume this many bytes off where the client asked (a broken server). */
    rangeSkew: 0,
    /** After the last cut, the server stays down (every request's connection is dropped). */
    downAfterCuts: false,
    down: false,
    requests: [] as { method: string; path: string; range?: string }[],
    bodyBytes: 0,
  };
}
const serverState = freshServerState();

beforeAll(async () => {
  server = createServer((req, res) => {
    const m = new RegExp(`^/test/tiny/resolve/${REVISION}/(.+)$`).exec(req.url ?? '');
    const path = m?.[1];
    serverState.requests.push({
      method: req.method ?? '',
      path: path ?? req.url ?? '',
      ...(req.headers.range ? { range: req.headers.range } : {}),
    });
    if (serverState.down) {
      req.socket.destroy();
      return;
    }
    if (!path || !PATHS.includes(path)) {
      res.writeHead(404).end();
      return;
    }
    let body = bytesOf(path);
    if (serverState.tamper.includes(path)) {
      body = Buffer.from(body);
      const i = Math.floor(body.length / 2);
      // JSON stays valid JSON: swap one letter for another.
      body[i] = body[i] === 0x61 ? 0x62 : body[i] === 0x62 ? 0x61 : body[i]! ^ 0x01;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !serverState.ignoreRange) start = Number(range[1]) + serverState.rangeSkew;
    const slice = body.subarray(start);
    const headers: Record<string, string> = { 'content-length': String(slice.length) };
    if (start > 0 && !serverState.hideContentRange)
      headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (serverState.cuts > 0 && slice.length > serverState.cutAfter) {
      serverState.cuts -= 1;
      if (serverState.cuts === 0 && serverState.downAfterCuts) serverState.down = true;
      serverState.bodyBytes += serverState.cutAfter;
      res.write(slice.subarray(0, serverState.cutAfter), () => res.socket?.destroy());
      return;
    }
    serverState.bodyBytes += slice.length;
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  Object.assign(serverState, freshServerState());
});

const pinned: CatalogueEntry = {
  id: 'tiny',
  name: 'Tiny fixture',
  repo: 'test/tiny',
  revision: REVISION,
  licence: 'CC0-1.0',
  approxBytes: 800_000,
  files: PATHS.map((path) => ({ path, sha256: shaOf(bytesOf(path)), bytes: bytesOf(path).length })),
  note: '',
};
const env = (over: Partial<DownloadEnv> = {}): DownloadEnv => ({
  fetch,
  baseUrl,
  online: true,
  retryDelayMs: 5,
  ...over,
});

async function expectExact(files: Record<string, Blob>) {
  for (const p of PATHS)
    expect(Buffer.from(await files[p]!.arrayBuffer()).equals(bytesOf(p)), p).toBe(true);
}

describe('model downloads', () => {
  it('plans from the pins without touching the network, then downloads and verifies every file', async () => {
    const plan = await planDownload(pinned, env({ freeBytes: async () => 10_000_000 }));
    expect(plan.totalBytes).toBe(TOTAL);
    expect(plan.keptBytes).toBe(0);
    expect(serverState.requests).toEqual([]);
    const progress: number[] = [];
    const model = await downloadModel(plan, {
      ...env(),
      onProgress: (done) => progress.push(done),
    });
    expect(progress.at(-1)).toBe(TOTAL);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    await expectExact(model.files);
    for (const p of PATHS) expect(model.sha256[p]).toBe(shaOf(bytesOf(p)));
    expect(checkModelFolder(Object.keys(model.files)).ok).toBe(true);
    // Only the pinned commit's files were asked for.
    expect(serverState.requests.map((r) => r.path).sort()).toEqual([...PATHS].sort());
  });

  it.each(PATHS)('refuses a tampered %s and keeps nothing of it', async (path) => {
    serverState.tamper = [path];
    const parts = memoryParts();
    const plan = await planDownload(pinned, env());
    await expect(downloadModel(plan, env({ parts }))).rejects.toMatchObject({
      code: 'download-integrity',
      message: `${path} is not the file the list pins (its SHA-256 differs): it may have been tampered with. Nothing was kept.`,
    });
    expect(parts.keys()).not.toContain(pinned.files.find((f) => f.path === path)!.sha256);
  });

  it('refuses a file longer than its pin as soon as it grows past it', async () => {
    const short = {
      ...pinned,
      files: pinned.files.map((f) =>
        f.path === 'onnx/model.onnx' ? { ...f, bytes: f.bytes! - 10 } : f,
      ),
    };
    await expect(downloadModel(await planDownload(short, env()), env())).rejects.toMatchObject({
      code: 'download-integrity',
      message: 'onnx/model.onnx is larger than it should be. Nothing was kept.',
    });
  });

  it('resumes a connection cut mid-file with a range request, fetching each byte once', async () => {
    const onnx = bytesOf('onnx/model.onnx').length;
    serverState.cutAfter = Math.floor(onnx / 3);
    serverState.cuts = 2; // the ONNX is cut twice, at a third each time
    const model = await downloadModel(await planDownload(pinned, env()), env());
    await expectExact(model.files);
    const ranges = serverState.requests.filter((r) => r.range).map((r) => r.range);
    expect(ranges).toEqual([
      `bytes=${serverState.cutAfter}-`,
      `bytes=${2 * serverState.cutAfter}-`,
    ]);
    // The bytes the client received equal the model's size (nothing fetched twice); the server
    // may have sent a little more than arrived before the cut.
    expect(model.fetchedBytes).toBe(TOTAL);
  });

  it('starts a file again when the server ignores the range, and still verifies it', async () => {
    serverState.cutAfter = 100_000;
    serverState.cuts = 1;
    serverState.ignoreRange = true;
    const model = await downloadModel(await planDownload(pinned, env()), env());
    await expectExact(model.files);
  });

  it('resumes when the server does not show where the range starts, and the checksum still guards it', async () => {
    const onnx = bytesOf('onnx/model.onnx').length;
    serverState.hideContentRange = true;
    serverState.cutAfter = Math.floor(onnx / 2);
    serverState.cuts = 1;
    const model = await downloadModel(await planDownload(pinned, env()), env());
    await expectExact(model.files);

    // The same server resuming 17 bytes early (repeating them): refused, nothing of it kept.
    Object.assign(serverState, { cuts: 1, rangeSkew: -17, requests: [] });
    const parts = memoryParts();
    await expect(
      downloadModel(await planDownload(pinned, env({ parts })), env({ parts })),
    ).rejects.toMatchObject({ code: 'download-integrity' });
    expect(parts.keys()).not.toContain(pinned.files.at(-1)!.sha256);
  });

  it('keeps what arrived when the connection stays down, and the next attempt resumes there', async () => {
    const parts = memoryParts();
    serverState.cutAfter = 200_000;
    serverState.cuts = 1;
    serverState.downAfterCuts = true; // then every try fails: the first attempt gives up
    const first = planDownload(pinned, env({ parts }));
    await expect(downloadModel(await first, env({ parts, retries: 2 }))).rejects.toMatchObject({
      code: 'download-failed',
      message:
        'The connection dropped while downloading onnx/model.onnx. What arrived is kept: press Download again to resume.',
    });
    // The four JSON files and the piece of the ONNX that arrived before the cut.
    const again = await planDownload(pinned, env({ parts }));
    const jsonBytes = TOTAL - bytesOf('onnx/model.onnx').length;
    expect(again.keptBytes).toBe(jsonBytes + 200_000);
    serverState.down = false;
    serverState.requests = [];
    const progress: number[] = [];
    const model = await downloadModel(again, {
      ...env({ parts }),
      onProgress: (done) => progress.push(done),
    });
    await expectExact(model.files);
    expect(serverState.requests).toEqual([
      { method: 'GET', path: 'onnx/model.onnx', range: 'bytes=200000-' },
    ]);
    expect(model.fetchedBytes).toBe(TOTAL - again.keptBytes);
    // Kept files count as done from the start: the ONNX's first report already holds its kept part.
    expect(progress.slice(0, 5)).toEqual(
      PATHS.map((_, i) =>
        i < 4
          ? PATHS.slice(0, i + 1).reduce((s, p) => s + bytesOf(p).length, 0)
          : jsonBytes + 200_000,
      ),
    );
    await forgetParts(again, parts);
    expect(parts.keys()).toEqual([]);
  });

  it('a cancelled download keeps its parts and resumes', async () => {
    const parts = memoryParts();
    const abort = new AbortController();
    const plan = await planDownload(pinned, env({ parts }));
    await expect(
      downloadModel(plan, {
        ...env({ parts, signal: abort.signal }),
        onProgress: (done) => {
          if (done > TOTAL / 2) abort.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const again = await planDownload(pinned, env({ parts }));
    expect(again.keptBytes).toBeGreaterThan(TOTAL / 2);
    const model = await downloadModel(again, env({ parts }));
    await expectExact(model.files);
    expect(model.fetchedBytes).toBe(TOTAL - again.keptBytes);
  });

  it('checks free space before downloading', async () => {
    await expect(
      planDownload(pinned, env({ freeBytes: async () => 100_000 })),
    ).rejects.toMatchObject({
      code: 'download-quota',
      message: expect.stringMatching(
        /^Not enough free storage: the model needs 1\.\d MB while it downloads, only 98 KB is free\.$/,
      ),
    });
    expect(serverState.requests).toEqual([]);
  });

  it('never starts offline, and only downloads listed, fully pinned models', async () => {
    await expect(planDownload(pinned, env({ online: false }))).rejects.toMatchObject({
      code: 'download-offline',
    });
    expect(serverState.requests).toEqual([]);
    expect(() => catalogueEntry('some-random/repo')).toThrowErrorMatchingInlineSnapshot(
      `[TextError: “some-random/repo” is not on the list of known-good models.]`,
    );
    const unpinnedJson = {
      ...pinned,
      files: pinned.files.map((f) => (f.path === 'config.json' ? { path: f.path } : f)),
    };
    await expect(planDownload(unpinnedJson, env())).rejects.toMatchObject({
      code: 'download-not-allowed',
      details: { problems: 'config.json has no SHA-256; config.json has no size' },
    });
    await expect(planDownload({ ...pinned, revision: 'main' }, env())).rejects.toMatchObject({
      code: 'download-not-allowed',
      details: { problems: 'the revision is not a pinned commit' },
    });
    expect(serverState.requests).toEqual([]);
  });

  it('reports a file the server does not have as a failed download, without retrying', async () => {
    const extra = {
      ...pinned,
      files: [
        ...pinned.files,
        { path: 'onnx/model_quantized.onnx', sha256: 'b'.repeat(64), bytes: 5 },
      ],
    };
    await expect(downloadModel(await planDownload(extra, env()), env())).rejects.toMatchObject({
      code: 'download-failed',
      message: 'The server answered 404 for onnx/model_quantized.onnx.',
    });
    expect(serverState.requests.filter((r) => r.path === 'onnx/model_quantized.onnx')).toHaveLength(
      1,
    );
  });

  it('the catalogue is a list of small instruct models; each entry is either fully pinned or says why not', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(2);
    for (const entry of CATALOGUE) {
      expect(checkModelFolder(entry.files.map((f) => f.path)).ok, entry.id).toBe(true);
      const problem = pinProblem(entry);
      if (problem) expect(problem.message).toMatch(/^Not available to download yet/);
    }
    expect(catalogueEntry('smollm2-360m-instruct').repo).toBe(
      'HuggingFaceTB/SmolLM2-360M-Instruct',
    );
  });
});
