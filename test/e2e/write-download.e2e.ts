/**
 * Downloading a text model in real Chromium, the whole way a person goes: allow downloads, check
 * the size, download, use it offline. The studio is built with one more catalogue entry
 * (ATELIER_EXTRA_CATALOGUE) pinned to the fixture GPT-2, and huggingface.co is played by the
 * test (Playwright routes, in the URL layout and headers the hub uses: range requests, CORS). It
 * checks that
 * - a tampered JSON file is refused in plain words and nothing is stored;
 * - when the connection stays down, what arrived is kept (Cache Storage, through a reload), and
 *   "Resume download" fetches only the rest: no file twice, the half-fetched ONNX file by a range
 *   request from the byte where it stopped;
 * A route cannot cut a body mid-stream (Chromium gets it whole or not at all), so the half ONNX
 * file an interrupted attempt leaves is put where the downloader keeps parts; the cut itself, in
 * the middle of a file, is tested against a real server in src/shared/write/download.test.ts.
 * - the downloaded model is stored, picked, and generates with the network off after a reload;
 * - no request went anywhere but the app and the hub, and only after the person asked.
 *
 * Run: E2E_OUTDIR=dist-x E2E_PORT=4841 npx vitest run --project e2e test/e2e/write-download.e2e.ts
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/shared/write/download';
import {
  assertClean,
  openStudio,
  waitForReady,
  waitForServiceWorker,
  WASM_ONLY,
  type StudioSession,
} from './browser';
import { buildStudio, ROOT, startPreview, type Preview } from './server';
import { outputState, seedWork, setParams } from './write-helpers';
import { TINY_GPT2_DIR, TINY_GPT2_FILES } from '../fixtures/text/tiny-gpt2';

const OUT_DIR = `${process.env.E2E_OUTDIR ?? 'dist'}-download`;
const PORT = Number(process.env.E2E_DOWNLOAD_PORT ?? 4794);
const FIXTURE = TINY_GPT2_DIR;
const PATHS: readonly string[] = TINY_GPT2_FILES;
const REPO = 'atelier-e2e/tiny-gpt2';
const REVISION = '0123456789abcdef0123456789abcdef01234567';
const bytesOf = (p: string) => readFileSync(join(FIXTURE, p));
const ONNX = bytesOf('onnx/model.onnx');
const TOTAL = PATHS.reduce((s, p) => s + bytesOf(p).length, 0);

const ENTRY = {
  id: 'e2e-tiny-gpt2',
  name: 'Tiny test model',
  repo: REPO,
  revision: REVISION,
  licence: 'CC0-1.0',
  approxBytes: TOTAL,
  note: 'The e2e fixture.',
  files: PATHS.map((path) => ({
    path,
    sha256: createHash('sha256').update(bytesOf(path)).digest('hex'),
    bytes: bytesOf(path).length,
  })),
};

/** What the fake hub does next, and what it saw. */
const hub = {
  tamper: [] as string[],
  /** Drop every ONNX request (the connection stays down). */
  onnxDown: false,
  requests: [] as { path: string; range: string | null }[],
};

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Content-Range, Accept-Ranges, ETag, X-Repo-Commit',
  'access-control-allow-headers': 'range',
};

async function serveHub(route: Route): Promise<void> {
  const req = route.request();
  const url = new URL(req.url());
  if (req.method() === 'OPTIONS') {
    await route.fulfill({ status: 204, headers: CORS });
    return;
  }
  const resolve = `/${REPO}/resolve/${REVISION}/`;
  const path = url.pathname.startsWith(resolve) ? url.pathname.slice(resolve.length) : '';
  if (!PATHS.includes(path)) {
    await route.fulfill({ status: 404, headers: CORS, body: 'Entry not found' });
    return;
  }
  const range = req.headers()['range'] ?? null;
  hub.requests.push({ path, range });
  if (path.endsWith('.onnx') && hub.onnxDown) {
    await route.abort('connectionreset');
    return;
  }
  let body = bytesOf(path);
  if (hub.tamper.includes(path)) {
    body = Buffer.from(body);
    const i = Math.floor(body.length / 2);
    body[i] = body[i] === 0x61 ? 0x62 : 0x61;
  }
  const start = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
  const slice = body.subarray(start);
  const headers: Record<string, string> = {
    ...CORS,
    'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    'accept-ranges': 'bytes',
  };
  if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  await route.fulfill({ status: start > 0 ? 206 : 200, headers, body: slice });
}

let preview: Preview | undefined;
let catalogueDir: string;
beforeAll(async () => {
  catalogueDir = mkdtempSync(join(tmpdir(), 'atelier-catalogue-'));
  const file = join(catalogueDir, 'extra.json');
  writeFileSync(file, JSON.stringify([ENTRY]));
  buildStudio({ outDir: OUT_DIR, env: { ATELIER_EXTRA_CATALOGUE: file } });
  preview = await startPreview({ outDir: OUT_DIR, port: PORT });
});
afterAll(async () => {
  await preview?.stop();
  rmSync(join(ROOT, OUT_DIR), { recursive: true, force: true });
  rmSync(catalogueDir, { recursive: true, force: true });
});

describe.each(WASM_ONLY)('Write room: downloading a model ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it('refuses a tampered file, resumes a dropped download from what it kept, then works offline', async () => {
    const origin = preview!.url;
    session = await openStudio({ baseURL: origin, mode, path: '/#/write' });
    const { page, context } = session;
    await context.route(/^https:\/\/([a-z0-9-]+\.)*(huggingface\.co|hf\.co)\//, serveHub);
    await waitForReady(page);
    await waitForServiceWorker(page);
    await page.waitForFunction(() => '__atelierWrite' in globalThis);
    const workId = await seedWork(page);
    await page.getByTestId('write-work-select').selectOption(workId);

    // Nothing is listed until the person allows downloads; the size comes from the pins.
    await page.getByTestId('write-manage-models').click();
    const entry = page.locator('[data-testid=catalogue-entry][data-entry=e2e-tiny-gpt2]');
    expect(await entry.count()).toBe(0);
    await page.getByTestId('model-download-optin').check();
    await entry.getByRole('button', { name: 'Check size' }).click();
    await expect
      .poll(() => entry.getByTestId('download-plan').textContent(), { timeout: 10_000 })
      .toContain(formatBytes(TOTAL));
    expect(hub.requests).toEqual([]);

    // 1. A tampered JSON file: refused in plain words, nothing stored.
    hub.tamper = ['tokenizer_config.json'];
    await entry.getByTestId('download-start').click();
    const alert = page.locator('.toast[data-kind=error]').last();
    await expect
      .poll(() => alert.textContent(), { timeout: 30_000 })
      .toContain('tokenizer_config.json is not the file the list pins');
    const downloaded = page.locator('[data-testid=model-row][data-source=downloaded]');
    expect(await downloaded.count()).toBe(0);
    hub.tamper = [];

    // 2. The connection drops at the ONNX file and stays down: the download stops with what
    //    arrived kept, and says so.
    hub.requests = [];
    hub.onnxDown = true;
    await expect
      .poll(() => entry.getByTestId('download-start').textContent(), { timeout: 10_000 })
      .toContain('Download');
    await entry.getByTestId('download-start').click();
    await expect
      .poll(() => page.locator('.toast[data-kind=error]').last().textContent(), {
        timeout: 60_000,
      })
      .toContain('What arrived is kept');
    hub.onnxDown = false;
    // An earlier attempt also got half of the ONNX file (see the header).
    const half = Math.floor(ONNX.length / 2);
    const onnxPin = ENTRY.files.at(-1)!.sha256;
    await page.evaluate(
      async ({ key, bytes }) => {
        const cache = await caches.open('atelier-model-parts');
        await cache.put(`/__atelier-model-parts__/${key}`, new Response(new Uint8Array(bytes)));
      },
      { key: onnxPin, bytes: [...ONNX.subarray(0, half)] },
    );

    // Kept through a reload (Cache Storage): the plan counts it, the button resumes.
    await page.reload();
    await waitForReady(page);
    await page.waitForFunction(() => '__atelierWrite' in globalThis);
    await page.getByTestId('write-manage-models').click();
    await page.getByTestId('model-download-optin').check();
    await entry.getByRole('button', { name: 'Check size' }).click();
    await expect
      .poll(() => entry.getByTestId('download-plan').textContent(), { timeout: 10_000 })
      .toContain(`${formatBytes(TOTAL - ONNX.length + half)} already here`);
    expect(await entry.getByTestId('download-start').textContent()).toContain('Resume download');

    // 3. Resume: only the rest of the ONNX file is fetched, from where it stopped.
    hub.requests = [];
    await entry.getByTestId('download-start').click();
    await expect.poll(() => downloaded.count(), { timeout: 90_000 }).toBe(1);
    expect(hub.requests).toEqual([{ path: 'onnx/model.onnx', range: `bytes=${half}-` }]);
    expect(await downloaded.textContent()).toContain('Tiny test model');
    await expect
      .poll(() => downloaded.locator('input[type=radio]').isChecked(), { timeout: 10_000 })
      .toBe(true);

    // 4. Offline after a reload: the stored model generates.
    await context.setOffline(true);
    await page.reload();
    await waitForReady(page);
    await page.waitForFunction(() => '__atelierWrite' in globalThis);
    await page.getByTestId('write-work-select').selectOption(workId);
    await page.getByTestId('write-manage-models').click();
    await expect.poll(() => downloaded.count(), { timeout: 30_000 }).toBe(1);
    await downloaded.locator('input[type=radio]').check();
    await page.getByTestId('write-generator-alt').check();
    await setParams(page, { temperature: 0, maxNewTokens: 16 });
    await page.getByTestId('write-generate').click();
    await expect.poll(() => outputState(page), { timeout: 90_000 }).toBe('done');
    expect(((await page.getByTestId('write-output').textContent()) ?? '').trim()).not.toBe('');

    // No request left for anywhere but the hub, and the page stayed clean otherwise.
    const elsewhere = session.foreignRequests.filter(
      (u) => !u.startsWith(`https://huggingface.co/${REPO}/resolve/${REVISION}/`),
    );
    expect(elsewhere).toEqual([]);
    session.foreignRequests.length = 0;
    await assertClean(session);
  });
});
