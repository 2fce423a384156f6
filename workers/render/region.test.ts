/**
 * Region renders (the Render room's zoomed-in view): a rectangle rendered alone equals the same
 * rectangle of the whole render, pixel for pixel — position-dependent effects (vignette, grain)
 * see the whole image's coordinates and area effects read the rectangle's surroundings — on the
 * real CPU path, tiled or not. Bad regions are refused in words before any work.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpuStageRunners, patternedPhoto } from '../../test/fixtures/render/cpu-stages';
import { layer } from '../../src/shared/effects/registry';
import type { EffectStack } from '../../src/shared/effects/types';
import { cropImage } from './image';
import { renderStages } from './pipeline';

const { cpu, runners } = cpuStageRunners();
afterAll(() => cpu.dispose());

const STACK: EffectStack = {
  effects: [
    layer('exposure', { ev: 0.3 }),
    layer('vignette', { amount: 0.7, radius: 0.2, feather: 0.4 }),
    layer('grain', { amount: 0.4, size: 2, seed: 7 }),
    layer('blur', { sigma: 2.5 }),
    layer('sharpen', { amount: 0.8, sigma: 1.5 }),
  ],
};

describe('region renders', () => {
  const image = patternedPhoto(301, 203, true);
  const regions = [
    { x: 140, y: 61, width: 57, height: 44 }, // inside
    { x: 0, y: 0, width: 40, height: 33 }, // a corner: the image's own edge
    { x: 250, y: 150, width: 51, height: 53 }, // the far corner
    { x: 0, y: 0, width: 301, height: 203 }, // the whole image
  ];

  it.each([undefined, 4096])(
    'equal the same rectangle of the whole render (tile budget %s)',
    async (budget) => {
      const extra = budget ? { budget } : {};
      const whole = await renderStages({ image, stack: STACK, ...extra }, new Map(), runners);
      for (const region of regions) {
        const part = await renderStages(
          { image, stack: STACK, region, ...extra },
          new Map(),
          runners,
        );
        expect([part.image.width, part.image.height]).toEqual([region.width, region.height]);
        const expected = cropImage(whole.image, {
          x: region.x,
          y: region.y,
          w: region.width,
          h: region.height,
        });
        let worst = 0;
        for (let i = 0; i < expected.length; i++) {
          worst = Math.max(worst, Math.abs(expected[i]! - part.image.data[i]!));
        }
        expect(worst, `region ${JSON.stringify(region)}`).toBe(0);
      }
    },
  );

  it('a region without its surroundings would differ (the test can fail)', async () => {
    const region = { x: 140, y: 61, width: 57, height: 44 };
    const whole = await renderStages({ image, stack: STACK }, new Map(), runners);
    const alone = {
      width: region.width,
      height: region.height,
      data: cropImage(image, { x: region.x, y: region.y, w: region.width, h: region.height }),
    };
    const naive = await renderStages({ image: alone, stack: STACK }, new Map(), runners);
    const expected = cropImage(whole.image, {
      x: region.x,
      y: region.y,
      w: region.width,
      h: region.height,
    });
    const differing = expected.filter((v, i) => Math.abs(v - naive.image.data[i]!) > 2).length;
    expect(differing).toBeGreaterThan(expected.length / 4);
  });

  it('refuses a region outside the image, or in pieces of pixels, in words', async () => {
    for (const region of [
      { x: 290, y: 0, width: 20, height: 10 },
      { x: -1, y: 0, width: 5, height: 5 },
      { x: 1.5, y: 0, width: 5, height: 5 },
      { x: 0, y: 0, width: 0, height: 5 },
    ]) {
      await expect(
        renderStages({ image, stack: STACK, region }, new Map(), runners),
      ).rejects.toMatchObject({ code: 'invalid-param', message: expect.stringMatching(/part of/) });
    }
  });
});
