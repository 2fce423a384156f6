import type { Remote } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import '../../shared/comlink-errors';
import { BaseError } from '../../shared/errors/base';
import { FakeWorker } from '../../../test/helpers/fake-worker';
import { WorkerClient } from './worker-client';

function makeApi() {
  let concurrent = 0;
  let maxConcurrent = 0;
  return {
    stats: () => ({ maxConcurrent }),
    async slow(ms: number, label: string) {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => setTimeout(r, ms));
      concurrent--;
      return label;
    },
    never: () => new Promise<never>(() => {}),
    fail: () => {
      throw new BaseError('model-missing', 'No model called "x".', { details: { id: 'x' } });
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
  };
}
type Api = ReturnType<typeof makeApi>;

const clients: WorkerClient<Api>[] = [];
function setup(options: { idleMs?: number; timeoutMs?: number } = {}) {
  const workers: FakeWorker[] = [];
  const apis: Api[] = [];
  const client = new WorkerClient<Api>({
    name: 'test',
    create: () => {
      const api = makeApi();
      apis.push(api);
      const w = new FakeWorker(api);
      workers.push(w);
      return w;
    },
    idleMs: options.idleMs ?? 0,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  clients.push(client);
  return { client, workers, apis };
}
afterEach(() => clients.splice(0).forEach((c) => c.dispose()));

const slow = (ms: number, label: string) => (api: Remote<Api>) => api.slow(ms, label);

describe('WorkerClient', () => {
  it('starts the worker lazily, on the first call', async () => {
    const { client, workers } = setup();
    expect(workers).toHaveLength(0);
    expect(await client.call(slow(1, 'a'))).toBe('a');
    expect(workers).toHaveLength(1);
    expect(client.starts).toBe(1);
  });

  it('runs calls in one lane one at a time, and lanes side by side', async () => {
    const { client, apis } = setup();
    const order: string[] = [];
    const one = client.call(slow(30, 'a'), { lane: 'm1' }).then((v) => order.push(v));
    const two = client.call(slow(1, 'b'), { lane: 'm1' }).then((v) => order.push(v));
    await Promise.all([one, two]);
    expect(order).toEqual(['a', 'b']);
    expect(apis[0]!.stats().maxConcurrent).toBe(1);
    await Promise.all([
      client.call(slow(30, 'c'), { lane: 'm1' }),
      client.call(slow(30, 'd'), { lane: 'm2' }),
    ]);
    expect(apis[0]!.stats().maxConcurrent).toBe(2);
  });

  it('keeps the error code and details across the boundary', async () => {
    const { client } = setup();
    const error = await client.call((api) => api.fail()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model-missing', details: { id: 'x' } });
    expect((error as Error).message).toMatchInlineSnapshot(`"No model called "x"."`);
  });

  it('aborts a call by terminating the worker; the next call gets a fresh one', async () => {
    const { client, workers } = setup();
    const controller = new AbortController();
    const pending = client.call((api) => api.never(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers[0]!.terminated).toBe(true);
    expect(await client.call(slow(1, 'after'))).toBe('after');
    expect(workers).toHaveLength(2);
  });

  it('rejects at once when the signal is already aborted, without starting a worker', async () => {
    const { client, workers } = setup();
    await expect(client.call(slow(1, 'x'), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(workers).toHaveLength(0);
  });

  it('notices a dead worker: pending calls reject with worker-crashed instead of hanging', async () => {
    const { client, workers } = setup();
    const pending = client.call((api) => api.never());
    await new Promise((r) => setTimeout(r, 5));
    workers[0]!.crash('out of memory');
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'worker-crashed' });
    expect((error as Error).message).toMatchInlineSnapshot(
      `"The test worker failed: out of memory"`,
    );
    expect(await client.call(slow(1, 'again'))).toBe('again');
  });

  it('times out a call that never answers', async () => {
    const { client, workers } = setup({ timeoutMs: 50 });
    const error = await client.call((api) => api.never()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'worker-timeout' });
    expect(workers[0]!.terminated).toBe(true);
  });

  it('shuts an idle worker down and restarts on demand', async () => {
    const { client, workers } = setup({ idleMs: 20 });
    await client.call(slow(1, 'a'));
    expect(client.alive).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(client.alive).toBe(false);
    expect(workers[0]!.terminated).toBe(true);
    await client.call(slow(1, 'b'));
    expect(client.starts).toBe(2);
  });
});
