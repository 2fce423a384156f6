/**
 * The Write room in real Chromium, with WebGPU (SwiftShader) and without (WASM): pick a work,
 * see its on-device analysis and grounded draft, import a model folder from disk (the fixture
 * GPT-2; a partial folder is refused), generate alt text and watch it stream, stop a generation,
 * edit and keep a text and find it on the work; then the bundled model from models/manifest.json.
 * No request leaves the origin (assertClean).
 *
 * Run: E2E_OUTDIR=dist-write E2E_PORT=4804 npx vitest run --project e2e test/e2e/write.e2e.ts
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPngText } from '../../src/shared/library/png-text';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bundledTextModel } from '../../src/shared/write/model-files';
import {
  endSession,
  MODES,
  openStudio,
  waitForReady,
  waitForServiceWorker,
  type StudioSession,
} from './browser';
import { ROOT } from './server';
import { outputState, seedWork, setParams, watchOutput } from './write-helpers';

const baseURL = inject('baseURL');

/** A copy of the fixture whose ONNX file is garbage. */
function corruptFolder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'atelier-write-')), 'corrupt-gpt2');
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), Buffer.alloc(2048, 7));
  return dir;
}
const FIXTURE = join(ROOT, 'test', 'fixtures', 'text', 'tiny-gpt2');
const manifestPath = join(ROOT, 'models', 'manifest.json');
const bundled = (() => {
  try {
    return bundledTextModel(JSON.parse(readFileSync(manifestPath, 'utf8')));
  } catch {
    return null;
  }
})();

describe.each(MODES)('Write room ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('imports a model, streams alt text, stops a generation, keeps an edited text on the work', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/write' });
    const { page } = session;
    await waitForReady(page);
    await page.waitForFunction(() => '__atelierWrite' in globalThis); // the room's code loads lazily
    const workId = await seedWork(page);

    // The work appears; its analysis is computed in the text worker.
    const select = page.getByTestId('write-work-select');
    await expect.poll(() => select.locator('option').count(), { timeout: 10_000 }).toBe(2);
    await select.selectOption(workId);
    await expect
      .poll(() => page.getByTestId('write-analysis').textContent(), { timeout: 30_000 })
      .toMatch(/warm.*wide; deep orange and navy/);
    await page.getByTestId('write-generator-alt').check();
    // The box opens on a draft from the work itself: its tag first, then its colours.
    await expect
      .poll(() => page.getByTestId('write-edit').inputValue(), { timeout: 30_000 })
      .toMatch(/^Harbour\. .*deep orange and navy/);

    // A partial folder is refused with the reason; the full fixture folder is imported.
    await page.getByTestId('write-manage-models').click();
    await page
      .getByTestId('model-import-files')
      .setInputFiles([join(FIXTURE, 'config.json'), join(FIXTURE, 'tokenizer.json')]);
    await expect
      .poll(async () => (await page.getByTestId('model-import-error').textContent())?.trim())
      .toBe(
        'The model folder is missing tokenizer_config.json, onnx/model.onnx (or a quantized variant).',
      );
    await page.getByTestId('model-import-folder').setInputFiles(FIXTURE);
    const imported = page.locator('[data-testid=model-row][data-source=imported]');
    await expect.poll(() => imported.count(), { timeout: 60_000 }).toBe(1);
    expect(await imported.textContent()).toContain('tiny-gpt2');
    await expect.poll(() => imported.locator('input[type=radio]').isChecked()).toBe(true);

    // Generate alt text (greedy): it streams token by token into the output.
    await setParams(page, { temperature: 0, maxNewTokens: 48 });
    await watchOutput(page);
    await page.getByTestId('write-generate').click();
    await expect.poll(() => outputState(page), { timeout: 90_000 }).toBe('done');
    const status = page.getByTestId('write-model-status');
    expect(await status.getAttribute('data-status')).toBe('ready');
    expect(await status.textContent()).toContain(
      mode.webgpu ? 'ready on the graphics card' : 'ready on the processor',
    );
    const updates = await page.evaluate(
      () => (globalThis as unknown as { __outputUpdates: number }).__outputUpdates,
    );
    expect(updates).toBeGreaterThan(10);
    expect(await page.getByTestId('write-stats').textContent()).toMatch(
      /^\s*48 tokens · first after \d+ ms/,
    );
    // The fixture model is unchecked (experimental): its text stays beside the box until asked for.
    expect(await page.getByTestId('write-experimental').textContent()).toContain('experimental');
    expect(await page.getByTestId('write-edit').inputValue()).toMatch(/^Harbour\./);
    await page.getByTestId('write-use-model').click();
    const modelText = await page.getByTestId('write-edit').inputValue();
    expect(modelText.length).toBeGreaterThan(0);
    expect(modelText).not.toContain('\n');

    // Stop a long generation within a token: it ends "stopped" well before its 400 tokens.
    await page.getByTestId('write-generator-poem').check();
    await setParams(page, { temperature: 1, maxNewTokens: 400, seed: 7 });
    await page.getByTestId('write-generate').click();
    await expect
      .poll(async () => ((await page.getByTestId('write-output').textContent()) ?? '').length, {
        timeout: 60_000,
        interval: 20,
      })
      .toBeGreaterThan(5);
    await page.getByTestId('write-stop').click();
    await expect.poll(() => outputState(page), { timeout: 30_000 }).toBe('stopped');
    const stoppedTokens = Number(
      /(\d+) tokens/.exec((await page.getByTestId('write-stats').textContent()) ?? '')?.[1],
    );
    expect(stoppedTokens).toBeGreaterThan(0);
    expect(stoppedTokens).toBeLessThan(400);

    // A folder with a corrupt ONNX file is refused with a clear reason, nothing is kept, and the
    // worker goes back to the model it had (the next generation below runs on it).
    await page.getByTestId('model-import-folder').setInputFiles(corruptFolder());
    // Plain words only (issue #20, defect 10): ONNX Runtime's own text, with its build paths, is
    // behind "Details".
    await expect
      .poll(async () => (await page.getByTestId('model-import-error').textContent())?.trim(), {
        timeout: 60_000,
      })
      .toBe(
        'Importing corrupt-gpt2: This file is not a model Atelier can run: its ONNX graph could not be read.',
      );
    expect(await page.getByTestId('model-import-details').locator('pre').textContent()).toMatch(
      /protobuf|parse|Load model/i,
    );
    expect(await imported.count()).toBe(1);

    // Back to alt text: edit the model's text and keep it; it is on the work.
    await page.getByTestId('write-generator-alt').check();
    await setParams(page, { temperature: 0, maxNewTokens: 24 });
    await page.getByTestId('write-generate').click();
    await expect.poll(() => outputState(page), { timeout: 90_000 }).toBe('done');
    // Still on the mode's own backend: the failed import did not push the good model to WASM.
    expect(await status.textContent()).toContain(
      mode.webgpu ? 'ready on the graphics card' : 'ready on the processor',
    );
    const edited = 'A harbour at dusk in deep orange and navy.';
    await page.getByTestId('write-edit').fill(edited);
    await page.getByTestId('write-keep').click();
    await expect
      .poll(() => page.getByTestId('write-saved').textContent())
      .toBe('Kept on “Harbour at Dusk”.');
    await expect.poll(() => page.getByTestId('write-kept-alt').textContent()).toBe(edited);
    const stored = await page.evaluate(
      (id) =>
        (
          globalThis as unknown as {
            __atelierWrite: { getWork(id: string): Promise<{ texts?: Record<string, string> }> };
          }
        ).__atelierWrite.getWork(id),
      workId,
    );
    expect(stored.texts).toEqual({ alt: edited });

    // The draft can be kept too.
    await page.getByTestId('write-generator-title').check();
    await expect
      .poll(() => page.getByTestId('write-edit').inputValue(), { timeout: 30_000 })
      .toMatch(/Harbour/);
    const title = await page.getByTestId('write-edit').inputValue();
    await page.getByTestId('write-keep').click();
    await expect.poll(() => page.getByTestId('write-kept-title').textContent()).toBe(title);

    // Kept texts travel in the exported PNG's metadata.
    await page.locator('nav a[data-room=library]').click();
    await page.getByTestId('work-card').first().click();
    const exporting = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const png = new Uint8Array(readFileSync(await (await exporting).path()));
    const meta = Object.fromEntries(readPngText(png).map((e) => [e.keyword, e.text]));
    expect(meta).toMatchObject({ Title: title, 'Alt Text': edited });
  });

  it(
    bundled
      ? `generates offline with the bundled model (${bundled.id})`
      : 'shows "no model yet" without a bundled model',
    async () => {
      session = await openStudio({ baseURL, mode, path: '/#/write' });
      const { page } = session;
      await waitForReady(page);
      const status = page.getByTestId('write-model-status');
      if (!bundled) {
        await expect.poll(() => status.getAttribute('data-status')).toBe('none');
        expect(await status.textContent()).toContain('No model yet: grounded drafts only');
        expect(await page.getByTestId('write-generate').isDisabled()).toBe(true);
        return;
      }
      // Offline: once the service worker has precached the app, ORT's WASM and the model, the
      // bundled model loads and writes with the network gone.
      await waitForServiceWorker(page);
      await session.context.setOffline(true);
      await page.reload();
      await waitForReady(page);
      expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      await expect.poll(() => status.getAttribute('data-status')).toBe('idle');
      expect(await status.textContent()).toContain(bundled.name);
      await page.getByTestId('write-generator-caption').check();
      await setParams(page, { temperature: 0, maxNewTokens: 8 });
      await page.getByTestId('write-generate').click();
      await expect.poll(() => outputState(page), { timeout: 110_000 }).toBe('done');
      expect(await status.textContent()).toContain(
        mode.webgpu ? 'ready on the graphics card' : 'ready on the processor',
      );
      expect(await page.getByTestId('write-stats').textContent()).toMatch(/^\s*[1-8] tokens/);
    },
    // The first visit waits for the service worker to precache ~84 MB (ORT runtimes, models).
    240_000,
  );
});
