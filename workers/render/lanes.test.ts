/**
 * The lanes' scheduling helpers and the in-thread runner (the nested workers themselves run in
 * Chromium: test/e2e/render-lanes.e2e.ts).
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { compileStack } from '../../src/shared/effects/compile-onnx';
import { layer, layoutStack } from '../../src/shared/effects/registry';
import { RenderError } from '../../src/shared/errors/render';
import { eachConcurrently, OrtLanes, retryLaneCrash } from './lanes';
import { LocalRunner, SESSION_CACHE } from './session-runner';

ort.env.wasm.numThreads = 1;

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('eachConcurrently', () => {
  it('runs every task, at most `limit` at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await eachConcurrently(7, 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      done.push(i);
    });
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure and throws the first error once the others settle', async () => {
    const started: number[] = [];
    let settled = 0;
    const liveAfter: boolean[] = [];
    const run = eachConcurrently(10, 2, async (i, live) => {
      started.push(i);
      await tick();
      await tick();
      liveAfter[i] = live();
      settled++;
      if (i === 1) throw new Error('tile 1 failed');
      if (i === 2) throw new Error('tile 2 failed');
    });
    await expect(run).rejects.toThrow('tile 1 failed');
    // Tiles 0 and 1 ran side by side; 2 started when 0 finished, before 1 failed.
    expect(started).toEqual([0, 1, 2]);
    expect(settled).toBe(3);
    // A task still running after the failure sees it (a tile waiting for a lane gives up).
    expect(liveAfter).toEqual([true, true, false]);
  });
});

describe('retryLaneCrash', () => {
  it('re-runs once after a lane crash, never after other failures', async () => {
    let calls = 0;
    const crash = new RenderError('cpu-failed', 'A CPU render lane stopped', {
      details: { laneCrashed: true },
    });
    await expect(
      retryLaneCrash(async () => {
        if (calls++ === 0) throw crash;
        return 'pixels';
      }),
    ).resolves.toBe('pixels');
    expect(calls).toBe(2);

    calls = 0;
    await expect(
      retryLaneCrash(async () => {
        calls++;
        throw crash;
      }),
    ).rejects.toBe(crash);
    expect(calls).toBe(2);

    calls = 0;
    const ortError = new RenderError('cpu-failed', 'The CPU render failed: out of memory');
    await expect(
      retryLaneCrash(async () => {
        calls++;
        throw ortError;
      }),
    ).rejects.toBe(ortError);
    expect(calls).toBe(1);
  });
});

describe('LocalRunner', () => {
  const model = (ev: number) => {
    const layout = layoutStack({ effects: [layer('exposure', { ev })] });
    return { layout, bytes: compileStack(layout) };
  };
  const feeds = (uniforms: number[]) => ({
    image: { type: 'uint8' as const, data: new Uint8Array([10, 20, 30, 255]), dims: [1, 1, 1, 4] },
    ctx: { type: 'float32' as const, data: new Float32Array([0, 0, 1, 1]), dims: [4] },
    u0: { type: 'float32' as const, data: Float32Array.from(uniforms), dims: [uniforms.length] },
  });

  it('creates a session per key once, runs plain feeds and keeps the recent ones', async () => {
    const runner = new LocalRunner(ort);
    const { layout, bytes } = model(1);
    let compiled = 0;
    const get = async () => {
      compiled++;
      return bytes;
    };
    const a = await runner.run('a', get, feeds([...layout.entries[0]!.uniforms]));
    const b = await runner.run('a', get, feeds([...layout.entries[0]!.uniforms]));
    expect(compiled).toBe(1);
    expect(runner.created).toBe(1);
    expect([...a]).toEqual([...b]);
    expect(a[3]).toBe(255);
    expect(a[0]).toBeGreaterThan(10); // +1 EV brightens
    // Past the cache size the oldest key is dropped and made again when it comes back.
    for (let k = 0; k < SESSION_CACHE; k++) await runner.prepare(`k${k}`, get);
    await runner.run('a', get, feeds([...layout.entries[0]!.uniforms]));
    expect(runner.created).toBe(SESSION_CACHE + 2);
    await runner.dispose();
  });

  it('turns a model ORT rejects into cpu-failed', async () => {
    const runner = new LocalRunner(ort);
    await expect(
      runner.prepare('bad', async () => new Uint8Array([1, 2, 3])),
    ).rejects.toMatchObject({ code: 'cpu-failed' });
    await runner.dispose();
  });
});

describe('OrtLanes', () => {
  it('turns a lane that cannot start (no nested workers) into cpu-failed', async () => {
    const lanes = new OrtLanes({
      lanes: 2,
      threads: 1,
      create: () => {
        throw new Error('Worker is not defined');
      },
    });
    await expect(lanes.run('k', async () => new Uint8Array(), {})).rejects.toMatchObject({
      code: 'cpu-failed',
      message: 'The CPU render lanes could not start: Worker is not defined',
    });
    expect(lanes.started).toBe(0);
    // `start` says so up front, so the render worker can render in its own thread instead.
    expect(() => lanes.start()).toThrow('The CPU render lanes could not start');
  });
});
