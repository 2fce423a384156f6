/**
 * Integration (Node): a model handed in as Blobs — how imported and downloaded models reach the
 * worker — is read through `env.fetch`, never touching the network, and a partial set of files
 * fails with the file it lacks. (A full Blob model loads in the browser e2e: in Node,
 * transformers.js hands ONNX files to onnxruntime-node by path, which Blobs do not have.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TextRuntime } from './runtime';

const FIXTURE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'text', 'tiny-gpt2');

function folderBlobs(dir: string, root = dir): Record<string, Blob> {
  const out: Record<string, Blob> = {};
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, folderBlobs(full, root));
    else out[relative(root, full)] = new Blob([readFileSync(full)]);
  }
  return out;
}

const runtime = new TextRuntime({ localModelPath: '/models/text/', useFetch: true });
const realFetch = globalThis.fetch;
const requested: string[] = [];
globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  requested.push(String(input));
  return realFetch(input, init);
}) as typeof fetch;
afterEach(() => {
  expect(requested).toEqual([]);
});

describe('models from Blobs', () => {
  it('names the missing file of a partial folder', async () => {
    const files = folderBlobs(FIXTURE);
    expect(Object.keys(files).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    delete files['tokenizer.json'];
    await expect(
      runtime.load({ source: { key: 'stored:y', folder: 'stored-y', files }, backend: 'wasm' }),
    ).rejects.toMatchObject({
      code: 'model-invalid',
      message: 'The model folder is missing stored-y/tokenizer.json.',
    });
  });
});
