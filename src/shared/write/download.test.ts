/**
 * The download path against a local HTTP server serving the fixture model in the Hugging Face
 * URL layout (<repo>/resolve/<revision>/<path>): sizes before, quota, progress, SHA-256 checks.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogueEntry,
  downloadModel,
  planDownload,
  type CatalogueEntry,
  type DownloadEnv,
} from './download';
import { checkModelFolder } from './model-files';

const FIXTURE = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'text',
  'tiny-gpt2',
);
const PATHS = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
];
const bytesOf = (p: string) => readFileSync(join(FIXTURE, p));
const shaOf = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: Server;
let baseUrl: string;
/** Behaviour switches for the next requests. */
const serverState = { corrupt: false, linkedEtag: false, requests: [] as string[] };

beforeAll(async () => {
  server = createServer((req, res) => {
    serverState.requests.push(`${req.method} ${req.url}`);
    const m = /^\/test\/tiny\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    if (!m || !PATHS.includes(m[1]!)) {
      res.writeHead(404).end();
      return;
    }
    let body = bytesOf(m[1]!);
    const headers: Record<string, string> = { 'content-length': String(body.length) };
    if (serverState.linkedEtag && m[1]!.endsWith('.onnx'))
      headers['x-linked-etag'] = `"${shaOf(body)}"`;
    if (serverState.corrupt && m[1]!.endsWith('.onnx')) {
      body = Buffer.from(body);
      body[1000] = body[1000]! ^ 0xff;
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const pinned: CatalogueEntry = {
  id: 'tiny',
  name: 'Tiny fixture',
  repo: 'test/tiny',
  revision: 'main',
  licence: 'CC0-1.0',
  approxBytes: 800_000,
  files: PATHS.map((path) => ({ path, sha256: shaOf(bytesOf(path)) })),
  note: '',
};
const env = (over: Partial<DownloadEnv> = {}): DownloadEnv => ({
  fetch,
  baseUrl,
  online: true,
  ...over,
});

describe('model downloads', () => {
  it('plans with the server’s sizes, then downloads and verifies every file', async () => {
    serverState.requests = [];
    const plan = await planDownload(pinned, env({ freeBytes: async () => 10_000_000 }));
    const total = PATHS.reduce((s, p) => s + bytesOf(p).length, 0);
    expect(plan.totalBytes).toBe(total);
    expect(serverState.requests.every((r) => r.startsWith('HEAD '))).toBe(true);
    const progress: number[] = [];
    const model = await downloadModel(plan, {
      ...env(),
      onProgress: (done) => progress.push(done),
    });
    expect(progress.at(-1)).toBe(total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    for (const p of PATHS) {
      expect(Buffer.from(await model.files[p]!.arrayBuffer()).equals(bytesOf(p))).toBe(true);
      expect(model.sha256[p]).toBe(shaOf(bytesOf(p)));
    }
    expect(checkModelFolder(Object.keys(model.files)).ok).toBe(true);
  });

  it('refuses a corrupt file and keeps nothing', async () => {
    serverState.corrupt = true;
    try {
      const plan = await planDownload(pinned, env());
      await expect(downloadModel(plan, env())).rejects.toMatchObject({
        code: 'download-integrity',
        message: 'onnx/model.onnx is corrupt: its SHA-256 does not match. Nothing was kept.',
      });
    } finally {
      serverState.corrupt = false;
    }
  });

  it('uses the server’s LFS digest for unpinned files, and refuses files it cannot check', async () => {
    const unpinned = { ...pinned, files: PATHS.map((path) => ({ path })) };
    serverState.linkedEtag = true;
    const ok = await downloadModel(await planDownload(unpinned, env()), env());
    expect(Object.keys(ok.files)).toHaveLength(5);
    serverState.linkedEtag = false;
    await expect(downloadModel(await planDownload(unpinned, env()), env())).rejects.toMatchObject({
      code: 'download-integrity',
      message: 'onnx/model.onnx has no SHA-256 to check it against. Nothing was kept.',
    });
  });

  it('checks free quota before downloading', async () => {
    serverState.requests = [];
    await expect(
      planDownload(pinned, env({ freeBytes: async () => 100_000 })),
    ).rejects.toMatchObject({
      code: 'download-quota',
      message: expect.stringMatching(
        /^Not enough free storage: the model needs 8\d\d KB, only 98 KB is free\.$/,
      ),
    });
    expect(serverState.requests.some((r) => r.startsWith('GET '))).toBe(false);
  });

  it('never starts offline, and only downloads listed models', async () => {
    serverState.requests = [];
    await expect(planDownload(pinned, env({ online: false }))).rejects.toMatchObject({
      code: 'download-offline',
    });
    expect(serverState.requests).toEqual([]);
    expect(() => catalogueEntry('some-random/repo')).toThrowErrorMatchingInlineSnapshot(
      `[TextError: “some-random/repo” is not on the list of known-good models.]`,
    );
    expect(catalogueEntry('smollm2-135m-instruct').repo).toBe(
      'HuggingFaceTB/SmolLM2-135M-Instruct',
    );
  });

  it('reports a missing file as a failed download', async () => {
    const broken = { ...pinned, files: [...pinned.files, { path: 'onnx/model_quantized.onnx' }] };
    await expect(planDownload(broken, env())).rejects.toMatchObject({
      code: 'download-failed',
      message: 'The server answered 404 for onnx/model_quantized.onnx.',
    });
  });
});
