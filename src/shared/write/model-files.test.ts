import { describe, expect, it } from 'vitest';
import {
  bundledTextModel,
  checkModelFolder,
  chooseDtype,
  contextLengthOf,
  relativeModelPaths,
} from './model-files';

describe('model folders', () => {
  it('strips the picked folder name and accepts a complete folder', () => {
    const paths = relativeModelPaths([
      'smol/config.json',
      'smol/tokenizer.json',
      'smol/tokenizer_config.json',
      'smol/onnx/model_quantized.onnx',
      'smol/README.md',
    ]);
    expect([...paths.keys()]).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model_quantized.onnx',
      'README.md',
    ]);
    expect(checkModelFolder(paths.keys())).toMatchObject({ ok: true, dtypes: ['q8'] });
  });

  it('keeps paths that already start at the model folder', () => {
    expect([...relativeModelPaths(['config.json', 'onnx/model.onnx']).keys()]).toEqual([
      'config.json',
      'onnx/model.onnx',
    ]);
  });

  it('names what a partial folder lacks', () => {
    expect(checkModelFolder(['config.json', 'tokenizer.json']).reason).toMatchInlineSnapshot(
      `"The model folder is missing tokenizer_config.json, onnx/model.onnx (or a quantized variant)."`,
    );
  });
});

describe('chooseDtype', () => {
  it('uses fp16 on WebGPU only with shader-f16', () => {
    expect(chooseDtype(['fp32', 'fp16', 'q8'], 'webgpu', true)).toBe('fp16');
    expect(chooseDtype(['fp32', 'fp16', 'q8'], 'webgpu', false)).toBe('fp32');
    expect(chooseDtype(['fp16', 'q4'], 'webgpu', false)).toBe('q4');
  });
  it('prefers q8 on WASM, then fp32', () => {
    expect(chooseDtype(['fp32', 'q8'], 'wasm', false)).toBe('q8');
    expect(chooseDtype(['fp32'], 'wasm', false)).toBe('fp32');
    expect(() => chooseDtype([], 'wasm', false)).toThrow('no ONNX variant');
  });
});

describe('manifest', () => {
  it('finds the first text-generation entry in either manifest shape', () => {
    const entry = {
      id: 'atelier-lm',
      kind: 'text-generation',
      licence: 'CC0-1.0',
      files: [
        { path: 'text/atelier-lm/config.json', sha256: 'a'.repeat(64), bytes: 100 },
        { path: 'text/atelier-lm/onnx/model.onnx', sha256: 'b'.repeat(64), bytes: 2000 },
      ],
    };
    const m = bundledTextModel({ models: [{ id: 'auto-colour', kind: 'image-to-image' }, entry] });
    expect(m).toEqual({
      id: 'atelier-lm',
      name: 'atelier-lm',
      base: '/models/text/atelier-lm/',
      folder: 'atelier-lm',
      licence: 'CC0-1.0',
      bytes: 2100,
      files: [
        { path: 'config.json', sha256: 'a'.repeat(64), bytes: 100 },
        { path: 'onnx/model.onnx', sha256: 'b'.repeat(64), bytes: 2000 },
      ],
    });
    expect(
      bundledTextModel([
        { ...entry, path: 'models/text/other/', files: { 'config.json': 'c'.repeat(64) } },
      ]),
    ).toMatchObject({
      base: '/models/text/other/',
      folder: 'other',
      files: [{ path: 'config.json' }],
    });
  });

  it('reads the shape models/manifest.json uses (modelId, localModelPath, licence object)', () => {
    const m = bundledTextModel({
      version: 1,
      models: [
        {
          id: 'atelier-fortune-gpt2',
          name: 'Atelier fortune GPT-2 (bundled)',
          kind: 'text-generation',
          localModelPath: 'text',
          modelId: 'atelier-fortune-gpt2',
          files: [
            { path: 'text/atelier-fortune-gpt2/onnx/model.onnx', bytes: 5, sha256: 'f'.repeat(64) },
          ],
          licence: { spdx: 'BSD-3-Clause', note: 'fortunes' },
        },
      ],
    });
    expect(m).toEqual({
      id: 'atelier-fortune-gpt2',
      name: 'Atelier fortune GPT-2 (bundled)',
      base: '/models/text/atelier-fortune-gpt2/',
      folder: 'atelier-fortune-gpt2',
      licence: 'BSD-3-Clause',
      bytes: 5,
      files: [{ path: 'onnx/model.onnx', bytes: 5, sha256: 'f'.repeat(64) }],
    });
  });

  it('returns null when there is no text model', () => {
    expect(bundledTextModel({ models: [{ id: 'x', kind: 'image-to-image' }] })).toBeNull();
    expect(bundledTextModel(null)).toBeNull();
    expect(bundledTextModel('junk')).toBeNull();
  });

  it('reads the context length of GPT-2 and Llama-style configs', () => {
    expect(contextLengthOf({ n_positions: 512 })).toBe(512);
    expect(contextLengthOf({ max_position_embeddings: 8192 })).toBe(8192);
    expect(contextLengthOf({})).toBe(512);
  });
});
