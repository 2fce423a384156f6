/**
 * Content Credentials in every Library export, in real Chromium (WebGPU and WASM modes): a work is
 * imported and exported as PNG, JPEG and WebP; c2pa-rs — the CAI's reader, run in Node, not the
 * page's code — finds a correctly signed manifest with our history and the training choice, from
 * a signer no trust list knows; one changed picture byte reads as tampered.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { loadC2pa } from '../provenance/c2pa-node';
import { readXmp } from '../../src/shared/provenance/xmp';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
const FORMATS = ['image/png', 'image/jpeg', 'image/webp'] as const;

async function exportAs(page: Page, format: (typeof FORMATS)[number]): Promise<Uint8Array> {
  await page.getByTestId('export-format').selectOption(format);
  const exporting = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  return new Uint8Array(readFileSync((await (await exporting).path())!));
}

describe.each(MODES)('Content Credentials in exports ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('every format carries a signed manifest c2pa-rs validates; a changed byte is tampering', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await page.goto(`${baseURL}/#/library`);
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await page.getByTestId('import-input').setInputFiles({
      name: 'harbour.png',
      mimeType: 'image/png',
      buffer: Buffer.from(makePng(40, 30, { noiseSeed: mode.webgpu ? 5 : 6 })),
    });
    await expect.poll(() => page.getByTestId('work-card').count(), { timeout: 60_000 }).toBe(1);
    await page.getByTestId('work-card').click();
    const c2pa = loadC2pa();
    let ownPng: { intact: Uint8Array; changed: Uint8Array } | undefined;
    for (const format of FORMATS) {
      const file = await exportAs(page, format);
      const reader = await c2pa.WasmReader.fromBytes(format, file);
      const store = JSON.parse(reader.json());
      reader.free();
      const manifest = store.manifests[store.active_manifest];
      const results = store.validation_results.activeManifest;
      expect(
        results.failure.map((s: { code: string }) => s.code),
        format,
      ).toEqual(['signingCredential.untrusted']);
      expect(results.success.map((s: { code: string }) => s.code)).toEqual(
        expect.arrayContaining(['claimSignature.validated', 'assertion.dataHash.match']),
      );
      expect(manifest.signature_info.common_name).toBe('Atelier');
      const assertion = (label: string) =>
        manifest.assertions.find((a: { label: string }) => a.label.startsWith(label))?.data;
      expect(assertion('c2pa.actions').actions[0].action).toBe('c2pa.opened');
      expect(assertion('cawg.training-mining').entries['cawg.ai_training']).toEqual({
        use: 'notAllowed',
      });
      expect(manifest.ingredients[0]).toMatchObject({ relationship: 'parentOf' });
      expect(manifest.thumbnail, format).toMatchObject({ format: 'image/jpeg' });
      // The same choice as XMP, inside what the manifest's hash covers (validated above).
      expect(readXmp(file, format), format).toContain(
        '<plus:DataMining>http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED</plus:DataMining>',
      );

      // One byte of the picture changed (the last bytes of each file are picture data, the
      // manifest sits before them in PNG and JPEG; in WebP it is appended, so edit the start).
      const changed = file.slice();
      const at =
        format === 'image/webp'
          ? Buffer.from(file).indexOf('VP8', 0, 'latin1') + 12
          : file.length - (format === 'image/png' ? 20 : 4);
      changed[at]! ^= 0x01;
      const tampered = await c2pa.WasmReader.fromBytes(format, changed);
      const codes = JSON.parse(tampered.json()).validation_results.activeManifest.failure.map(
        (s: { code: string }) => s.code,
      );
      tampered.free();
      expect(codes, format).toContain('assertion.dataHash.mismatch');
      if (format === 'image/png') ownPng = { intact: file, changed };
    }

    // The artist allows AI training for this work only: its next export says so.
    expect(await page.getByTestId('work-training-line').textContent()).toBe(
      'AI training: Not allowed (your default)',
    );
    await page.getByTestId('work-training-select').selectOption('allowed');
    await expect
      .poll(() => page.getByTestId('work-training-line').textContent(), { timeout: 10_000 })
      .toBe('AI training: Allowed (this work only)');
    const allowedFile = await exportAs(page, 'image/png');
    expect(readXmp(allowedFile, 'image/png')).toContain('vocab/DMI-ALLOWED<');
    const allowed = await c2pa.WasmReader.fromBytes('image/png', allowedFile);
    const store = JSON.parse(allowed.json());
    allowed.free();
    const training = store.manifests[store.active_manifest].assertions.find(
      (a: { label: string }) => a.label.startsWith('cawg.training-mining'),
    ).data;
    expect(training.entries['cawg.ai_training']).toEqual({ use: 'allowed' });

    // Atelier's own Verify says the same of the PNG: intact, then tampered after one byte.
    await page.goto(`${baseURL}/#/register`);
    await waitForReady(page);
    const panel = page.getByTestId('credentials');
    for (const [bytes, state] of [
      [ownPng!.intact, 'intact'],
      [ownPng!.changed, 'tampered'],
    ] as const) {
      await page
        .getByTestId('verify-file')
        .setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: Buffer.from(bytes) });
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 60_000 }).toBe(state);
    }
    expect(await panel.textContent()).toContain('Tampered: the file changed after it was signed.');
  }, 240_000);
});
