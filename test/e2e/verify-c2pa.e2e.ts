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
import { concatBytes } from '../../src/shared/bytes';
import { readChunks, type PngChunk } from '../../src/shared/registration/png';
import { loadC2pa, SyncBlob } from '../provenance/c2pa-node';
import { scene } from '../unit/registration/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
let made: Uint8Array;

/** `signed` with the picture data of `other` (same size): every chunk valid, the pixels changed. */
function withOtherPixels(signed: Uint8Array, other: Uint8Array): Uint8Array {
  const whole = (png: Uint8Array, c: PngChunk) => png.subarray(c.offset, c.offset + c.size);
  const theirs = readChunks(other)
    .filter((c) => c.type === 'IDAT')
    .map((c) => whole(other, c));
  const parts: Uint8Array[] = [signed.subarray(0, 8)];
  let placed = false;
  for (const c of readChunks(signed)) {
    if (c.type !== 'IDAT') parts.push(whole(signed, c));
    else if (!placed) {
      parts.push(...theirs);
      placed = true;
    }
  }
  return concatBytes(parts);
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
