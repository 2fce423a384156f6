/** Every file models/manifest.json lists exists with the listed size and SHA-256. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
  role: string;
}

interface ManifestModel {
  id: string;
  kind: 'image-to-image' | 'image-to-gains' | 'text-generation';
  files: ManifestFile[];
  inputs: { name: string; dtype: string; shape: (number | string)[] }[];
  outputs: { name: string; dtype: string; shape: (number | string)[] }[];
  licence: { spdx: string };
  card: string;
}

const MODELS_DIR = import.meta.dirname;
const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8')) as {
  version: number;
  models: ManifestModel[];
};

describe('models/manifest.json', () => {
  it('lists the three image models and the bundled text model', () => {
    expect(manifest.version).toBe(1);
    const kinds = Object.fromEntries(manifest.models.map((m) => [m.id, m.kind]));
    expect(kinds).toMatchObject({
      autocolor: 'image-to-gains',
      denoise: 'image-to-image',
      upscale2x: 'image-to-image',
    });
    expect(manifest.models.filter((m) => m.kind === 'text-generation')).toHaveLength(1);
    expect(new Set(manifest.models.map((m) => m.id)).size).toBe(manifest.models.length);
  });

  describe.each(manifest.models.map((m) => [m.id, m] as const))('%s', (_id, model) => {
    it('has a card, a licence and a float32 or int64 contract', () => {
      expect(existsSync(join(MODELS_DIR, model.card))).toBe(true);
      expect(model.licence.spdx).toMatch(/\S/);
      expect(model.inputs.length).toBeGreaterThan(0);
      expect(model.outputs.length).toBeGreaterThan(0);
      for (const t of [...model.inputs, ...model.outputs]) {
        expect(['float32', 'int64']).toContain(t.dtype);
      }
    });

    it.each(model.files.map((f) => [f.path, f] as const))(
      '%s matches its bytes and sha256',
      (path, file) => {
        const full = join(MODELS_DIR, path);
        expect(statSync(full).size).toBe(file.bytes);
        expect(createHash('sha256').update(readFileSync(full)).digest('hex')).toBe(file.sha256);
      },
    );
  });

  it('keeps the served models modest in size', () => {
    const total = manifest.models.flatMap((m) => m.files).reduce((n, f) => n + f.bytes, 0);
    expect(total).toBeLessThan(40 * 1024 * 1024);
    for (const m of manifest.models.filter((m) => m.kind !== 'text-generation')) {
      for (const f of m.files) expect(f.bytes).toBeLessThanOrEqual(10 * 1000 * 1000);
    }
  });
});
