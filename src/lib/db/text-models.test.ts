import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDb } from './schema';
import { addTextModel, deleteTextModel, getTextModelFiles, listTextModels } from './text-models';

let n = 0;
const fresh = () => openDb(`text-models-${Date.now()}-${n++}`);
const files = () => ({
  'config.json': new Blob(['{"model_type":"gpt2"}']),
  'tokenizer.json': new Blob(['{}']),
  'tokenizer_config.json': new Blob(['{}']),
  'onnx/model_quantized.onnx': new Blob([new Uint8Array([1, 2, 3])]),
});

describe('text model storage', () => {
  it('keeps a model with its files and digests, lists and reads it back', async () => {
    const db = fresh();
    const added = await addTextModel(db, {
      name: 'Smol',
      source: 'imported',
      licence: 'Apache-2.0',
      files: files(),
    });
    expect(added).toMatchObject({ name: 'Smol', source: 'imported', bytes: 28, dtypes: ['q8'] });
    expect(added.sha256['onnx/model_quantized.onnx']).toBe(
      '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81',
    );
    expect((await listTextModels(db)).map((m) => m.id)).toEqual([added.id]);
    const back = await getTextModelFiles(db, added.id);
    expect(Object.keys(back).sort()).toEqual(Object.keys(files()).sort());
    expect(new Uint8Array(await back['onnx/model_quantized.onnx']!.arrayBuffer())).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(await db.blobs.count()).toBe(4);
  });

  it('refuses an incomplete folder and stores nothing', async () => {
    const db = fresh();
    const partial: Record<string, Blob> = files();
    delete partial['onnx/model_quantized.onnx'];
    await expect(
      addTextModel(db, { name: 'x', source: 'imported', licence: '', files: partial }),
    ).rejects.toMatchObject({
      code: 'model-invalid',
      message: 'The model folder is missing onnx/model.onnx (or a quantized variant).',
    });
    expect(await db.blobs.count()).toBe(0);
  });

  it('notices a damaged stored file', async () => {
    const db = fresh();
    const added = await addTextModel(db, {
      name: 'x',
      source: 'imported',
      licence: '',
      files: files(),
    });
    await db.blobs.update(added.files['config.json']!, { sha256: 'bad' });
    await expect(getTextModelFiles(db, added.id)).rejects.toMatchObject({
      code: 'model-invalid',
      message: 'The stored copy of config.json is missing or damaged; import the model again.',
    });
  });

  it('deletes a model and its blobs', async () => {
    const db = fresh();
    const a = await addTextModel(db, {
      name: 'a',
      source: 'downloaded',
      licence: 'MIT',
      files: files(),
    });
    const b = await addTextModel(db, {
      name: 'b',
      source: 'imported',
      licence: 'MIT',
      files: files(),
    });
    await deleteTextModel(db, a.id);
    expect((await listTextModels(db)).map((m) => m.name)).toEqual(['b']);
    expect(await db.blobs.count()).toBe(4);
    await expect(getTextModelFiles(db, a.id)).rejects.toMatchObject({ code: 'no-model' });
    await deleteTextModel(db, b.id);
    expect(await db.blobs.count()).toBe(0);
  });
});
