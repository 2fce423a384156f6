import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuRenderer } from './cpu';
import { layer, layoutStack } from '../../src/shared/effects/registry';
import { whiteBalanceAt, whiteBalanceProblem } from '../../src/shared/render-room/white-balance';

ort.env.wasm.numThreads = 1;
const cpu = new CpuRenderer(ort, () => Promise.reject(new Error('no models here')));
afterAll(() => cpu.dispose());

/** A 9×9 patch of one colour. */
const patch = (rgb: number[]) => ({
  width: 9,
  height: 9,
  data: Array.from({ length: 81 }, () => [...rgb, 255]).flat(),
});

/** The colour after Temperature & tint, rendered by the CPU path. */
async function corrected(rgb: number[], temperature: number, tint: number): Promise<number[]> {
  const image = { width: 1, height: 1, data: Uint8Array.from([...rgb, 255]) };
  const stack = { effects: [layer('temperature', { temperature, tint })] };
  const out = await cpu.render(image, layoutStack(stack));
  return [...out.data.subarray(0, 3)];
}

describe('white balance picker', () => {
  it.each([
    [[200, 180, 150]], // warm grey card (tungsten-ish, within reach)
    [[150, 170, 200]], // cool shade
    [[180, 200, 175]], // green fluorescent tint
    [[128, 128, 128]], // already neutral
    [[200, 163, 118]], // strong tungsten, near the sliders’ reach
  ])('makes %o neutral within two levels', async (rgb) => {
    const wb = whiteBalanceAt(patch(rgb), 4, 4);
    expect(wb.ok).toBe(true);
    if (!wb.ok) return;
    expect(wb.reached).toBe(true);
    const out = await corrected(rgb, wb.temperature, wb.tint);
    expect(Math.max(...out) - Math.min(...out), JSON.stringify({ wb, out })).toBeLessThanOrEqual(2);
  });

  it('a neutral point needs nothing', () => {
    const wb = whiteBalanceAt(patch([90, 90, 90]), 4, 4);
    expect(wb).toEqual({ ok: true, temperature: 0, tint: 0, reached: true });
  });

  it('a cast stronger than the sliders is corrected as far as they go, and says so', () => {
    const wb = whiteBalanceAt(patch([230, 120, 40]), 4, 4);
    expect(wb).toMatchObject({ ok: true, temperature: -3, reached: false });
  });

  it('averages the neighbourhood: one odd pixel barely moves it', () => {
    const image = patch([150, 150, 150]);
    image.data.splice((4 * 9 + 4) * 4, 3, 255, 0, 0);
    const wb = whiteBalanceAt(image, 4, 4);
    expect(wb.ok && Math.abs(wb.temperature) < 0.5).toBe(true);
  });

  it('refuses black, blown-out and outside points in words', () => {
    expect(whiteBalanceAt(patch([3, 2, 4]), 4, 4)).toEqual({ ok: false, reason: 'too-dark' });
    expect(whiteBalanceAt(patch([255, 255, 255]), 4, 4)).toEqual({ ok: false, reason: 'clipped' });
    expect(whiteBalanceAt(patch([100, 100, 100]), 9, 0)).toEqual({ ok: false, reason: 'outside' });
    expect(whiteBalanceProblem('too-dark')).toMatch(/too dark/);
  });
});
