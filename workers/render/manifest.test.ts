/** Neural effects from the real models/manifest.json, on the CPU path in Node. */
import * as ort from 'onnxruntime-web';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layer, layoutStack } from '../../src/shared/effects/registry';
import { CpuRenderer } from './cpu';
import { neuralModelsFrom } from './manifest';

const MODELS = join(import.meta.dirname, '../../models');
const manifestPath = join(MODELS, 'manifest.json');

describe('neural effects from models/manifest.json', () => {
  it('keeps image-to-image models (same size or an integer upscale) and skips the rest', () => {
    const sources = neuralModelsFrom({
      models: [
        { id: 'a', kind: 'image-to-image', files: [{ path: 'a/model.onnx' }], tileOverlap: 7 },
        { id: 'b', kind: 'image-to-image', scale: 2, files: [{ path: 'b/model.onnx' }] },
        { id: 'c', kind: 'image-to-gains', files: [{ path: 'c/model.onnx' }] },
        { id: 'd', kind: 'image-to-image', files: [{ path: 'd/readme.txt' }] },
        { id: 'e', kind: 'image-to-image', scale: 1.5, files: [{ path: 'e/model.onnx' }] },
      ],
    });
    expect(sources.map((s) => [s.def.id, s.url, s.def.reach, s.def.scale])).toEqual([
      ['neural:a', '/models/a/model.onnx', 7, 1],
      ['neural:b', '/models/b/model.onnx', 8, 2],
    ]);
    expect(sources[1]!.def.params).toEqual([]);
  });

  it.runIf(existsSync(manifestPath))(
    'runs each shipped model inside a compiled stack',
    async () => {
      const sources = neuralModelsFrom(JSON.parse(readFileSync(manifestPath, 'utf8')));
      const renderer = new CpuRenderer(ort, async (id) => {
        const s = sources.find((x) => x.def.modelId === id)!;
        const bytes = new Uint8Array(readFileSync(join(MODELS, s.file!.path)));
        if (s.file?.sha256) {
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(s.file.sha256);
        }
        return bytes;
      });
      const neural = new Map(sources.map((s) => [s.def.id, s.def]));
      const w = 24;
      const h = 18;
      const data = new Uint8Array(w * h * 4);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
      // Same-size models inline into a compiled stack; scalers run as their own stage (scale.test.ts).
      expect(sources.filter((s) => s.def.scale !== 1).map((s) => s.def.modelId)).toContain(
        'upscale2x',
      );
      for (const s of sources.filter((x) => x.def.scale === 1)) {
        const stack = { effects: [layer(s.def.id), layer('contrast', { amount: 0.1 })] };
        const out = await renderer.render(
          { width: w, height: h, data },
          layoutStack(stack, { neural }),
        );
        expect(out.data.length).toBe(data.length);
        const none = await renderer.render(
          { width: w, height: h, data },
          layoutStack({ effects: [layer(s.def.id, { strength: 0 })] }, { neural }),
        );
        expect([...none.data]).toEqual([...data]);
      }
      await renderer.dispose();
    },
  );
});
