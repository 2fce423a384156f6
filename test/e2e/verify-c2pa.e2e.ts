/**
 * Verify reads Content Credentials it did not write: a PNG whose C2PA manifest is built here,
 * in the test, with the CAI's c2pa-rs builder directly (another tool's history and training
 * choice, another signer). The Register room shows its history, signer and training choice.
 * WebGPU and WASM modes. The same file with other pixels (another image's IDAT spliced in: a
 * valid PNG, its manifest untouched) is reported as tampered, in words.
 */
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  coseSign1,
  createStudioIdentity,
  reserveSizeFor,
} from '../../src/shared/provenance/signer';
import { encodePng } from '../../src/shared/registration/png-codec';
import { loadC2pa, SyncBlob } from '../provenance/c2pa-node';
import { scene } from '../unit/registration/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
let made: Uint8Array;

/** The PNG's chunks as [type, whole chunk bytes]. */
function chunks(png: Uint8Array): [string, Uint8Array][] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: [string, Uint8Array][] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = view.getUint32(at);
    out.push([
      String.fromCharCode(...png.subarray(at + 4, at + 8)),
      png.subarray(at, at + 12 + length),
    ]);
    at += 12 + length;
  }
  return out;
}

/** `signed` with the picture data of `other` (same size): every chunk valid, the pixels changed. */
function withOtherPixels(signed: Uint8Array, other: Uint8Array): Uint8Array {
  const theirs = chunks(other)
    .filter(([t]) => t === 'IDAT')
    .map(([, c]) => c);
  const parts: Uint8Array[] = [signed.subarray(0, 8)];
  let placed = false;
  for (const [type, bytes] of chunks(signed)) {
    if (type !== 'IDAT') parts.push(bytes);
    else if (!placed) {
      parts.push(...theirs);
      placed = true;
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

beforeAll(async () => {
  const c2pa = loadC2pa();
  const identity = await createStudioIdentity({ name: 'Other Tool Test Signer' });
  const builder = c2pa.WasmBuilder.fromJson(
    JSON.stringify({
      claim_generator_info: [{ name: 'Other Tool', version: '9.9' }],
      title: 'camera.png',
      format: 'image/png',
      assertions: [
        {
          label: 'cawg.training-mining',
          data: { entries: { 'cawg.ai_training': { use: 'allowed' } } },
        },
      ],
    }),
    JSON.stringify({ verify: { verify_trust: false } }),
  );
  builder.addAction({
    action: 'c2pa.created',
    digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture',
  });
  const size = reserveSizeFor(identity);
  made = new Uint8Array(
    await builder.sign(
      {
        alg: 'es256',
        reserveSize: size,
        sign: (b: Uint8Array) => coseSign1(identity, b, size) as Promise<Uint8Array<ArrayBuffer>>,
      },
      [],
      'image/png',
      new SyncBlob(encodePng(scene(77, 32, 24))),
    ),
  );
  builder.free();
});

describe.each(MODES)('Verify reads other tools’ Content Credentials ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('shows history, signer and training choice; the same file with other pixels is tampered', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/register' });
    const { page } = session;
    await page.goto(`${baseURL}/#/register`);
    await waitForReady(page);
    const panel = page.getByTestId('credentials');
    await page
      .getByTestId('verify-file')
      .setInputFiles({ name: 'camera.png', mimeType: 'image/png', buffer: Buffer.from(made) });
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 60_000 }).toBe('intact');
    expect(await panel.getAttribute('data-training')).toBe('allowed');
    expect(await page.getByTestId('credentials-signer').textContent()).toContain(
      'Other Tool Test Signer',
    );
    expect(await page.getByTestId('credentials-signer').textContent()).toContain('unknown');
    expect(
      await page.getByTestId('credentials-history').locator('li').getAttribute('data-action'),
    ).toBe('c2pa.created');
    expect(await panel.textContent()).toContain('Other Tool 9.9');

    // The same file with other pixels: tampered, said in words.
    const changed = withOtherPixels(made, encodePng(scene(78, 32, 24)));
    expect(Buffer.from(changed).equals(Buffer.from(made))).toBe(false);
    await page
      .getByTestId('verify-file')
      .setInputFiles({ name: 'camera.png', mimeType: 'image/png', buffer: Buffer.from(changed) });
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 60_000 }).toBe('tampered');
    expect(await panel.textContent()).toContain('Tampered: the file changed after it was signed.');
  }, 120_000);
});
