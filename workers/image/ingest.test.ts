/**
 * Issue #20, defect 4: the size of the decoded frame, not only the header's, is held to the pixel
 * budget. Node has no image decoder, so the browser's `createImageBitmap` is replaced by one that
 * answers with the frame a lying file really holds (what Chromium returned for the attack's GIF);
 * everything else is the real import code.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makePng } from '../../test/fixtures/library/images';
import { ingest } from './ingest';

function decoderAnswering(width: number, height: number) {
  const close = vi.fn();
  vi.stubGlobal(
    'createImageBitmap',
    vi.fn(async () => ({ width, height, close })),
  );
  return close;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; details?: Record<string, unknown> };
  }
  throw new Error('expected the import to fail');
}

describe('ingest checks the decoded frame (issue #20, defect 4)', () => {
  it('refuses a file whose header says 1×1 when the decoder makes 12000×12000 of it', async () => {
    const close = decoderAnswering(12000, 12000);
    const png = makePng(1, 1);
    const error = await failure(ingest(new Blob([png]), 'bomb.png'));
    expect(error.code).toBe('too-large');
    expect(error.message).toContain('"bomb.png" is too large (12000×12000');
    expect(error.message).toContain('once decoded');
    expect(close).toHaveBeenCalled();
  });

  it("refuses a frame within the budget whose size is not the header's", async () => {
    decoderAnswering(300, 200);
    const error = await failure(ingest(new Blob([makePng(1, 1)]), 'liar.png'));
    expect(error.code).toBe('corrupt');
    expect(error.message).toBe(
      '"liar.png" is damaged: its header says 1×1 but the picture inside is 300×200.',
    );
  });
});
