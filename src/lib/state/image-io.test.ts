/**
 * Issue #20, defect 4, in the Render room: a full-size render decodes the original and must refuse
 * a frame over the budget or unlike the stored (header) size before reading its pixels. Node has no
 * decoder: `createImageBitmap` answers with the frame the lying file really holds.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeImage } from './image-io';

afterEach(() => {
  vi.unstubAllGlobals();
});

function decoderAnswering(width: number, height: number) {
  const close = vi.fn();
  vi.stubGlobal(
    'createImageBitmap',
    vi.fn(async () => ({ width, height, close })),
  );
  return close;
}

describe('decodeImage checks the decoded frame (issue #20, defect 4)', () => {
  it('refuses a 144 MP frame from a work stored as 1×1, and closes the bitmap', async () => {
    const close = decoderAnswering(12000, 12000);
    const decoding = decodeImage(new Blob([new Uint8Array(4)]), undefined, {
      width: 1,
      height: 1,
      name: 'Sunset',
    });
    await expect(decoding).rejects.toMatchObject({ code: 'too-large' });
    await expect(decoding).rejects.toThrow('"Sunset" is too large (12000×12000, 144 MP');
    expect(close).toHaveBeenCalled();
  });

  it('refuses a frame whose size is not the one stored from the header', async () => {
    decoderAnswering(640, 480);
    await expect(
      decodeImage(new Blob([new Uint8Array(4)]), undefined, {
        width: 1,
        height: 1,
        name: 'Sunset',
      }),
    ).rejects.toMatchObject({ code: 'corrupt' });
  });
});
