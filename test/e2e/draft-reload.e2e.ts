/**
 * A Render edit made just before a reload is kept (issue #20, defect 8): an effect is added and
 * the page reloads at once (0 ms and 50 ms later, inside the draft's debounce), and the stack
 * comes back with the effect.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';
import { addEffect, importFiles, layerEffects, openRender, png } from './render-room-helpers';

const baseURL = inject('baseURL');

describe.each(MODES)('draft kept across a reload ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('keeps an effect added right before the reload', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await importFiles(page, [png('pond.png', makePng(32, 24, { noiseSeed: 4 }))]);
    await openRender(page, 'pond');
    const expected: string[] = [];
    for (const [effect, delay] of [
      ['exposure', 0],
      ['grain', 50],
    ] as const) {
      await addEffect(page, effect);
      expected.push(effect);
      await expect.poll(() => layerEffects(page)).toEqual(expected);
      if (delay) await page.waitForTimeout(delay);
      await page.reload();
      await waitForReady(page);
      await page.getByTestId('preview').waitFor({ timeout: 60_000 });
      await expect.poll(() => layerEffects(page), { timeout: 20_000 }).toEqual(expected);
    }
  });
});
