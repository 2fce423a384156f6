/**
 * The bundled Write-room model loads through the official transformers.js pipeline, fully offline,
 * and its greedy output is token-for-token the PyTorch model's (fixtures from export_text.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, pipeline, type TextGenerationPipeline } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';

interface GreedyCase {
  prompt: string;
  prompt_ids: number[];
  ids: number[];
  text: string;
}

interface TextFixture {
  model: string;
  max_new_tokens: number;
  greedy: GreedyCase[];
}

interface TextManifestEntry {
  id: string;
  kind: string;
  modelId?: string;
  contextLength?: number;
}

const MODELS_DIR = import.meta.dirname;
const fixture = JSON.parse(
  readFileSync(join(MODELS_DIR, 'train', 'fixtures', 'text.json'), 'utf8'),
) as TextFixture;
const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8')) as {
  models: TextManifestEntry[];
};

describe('bundled text model', () => {
  let generator: TextGenerationPipeline;

  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = join(MODELS_DIR, 'text');
    generator = (await pipeline('text-generation', fixture.model, {
      dtype: 'fp32',
    })) as TextGenerationPipeline;
  }, 20_000);

  it('is listed in the manifest as a text-generation model with a 512-token context', () => {
    const entry = manifest.models.find((m) => m.id === fixture.model);
    expect(entry?.kind).toBe('text-generation');
    expect(entry?.contextLength).toBeGreaterThanOrEqual(512);
  });

  it('tokenizes prompts exactly like the Python BPE it was trained with', () => {
    for (const c of fixture.greedy) {
      expect(generator.tokenizer.encode(c.prompt)).toEqual(c.prompt_ids);
    }
  });

  it.each(fixture.greedy.map((c) => [c.prompt, c] as const))(
    'greedy continuation of %j matches PyTorch',
    async (_prompt, c) => {
      const input = generator.tokenizer(c.prompt);
      const output = await generator.model.generate({
        ...input,
        max_new_tokens: c.ids.length - c.prompt_ids.length,
        do_sample: false,
      });
      const ids = Array.from((output as { tolist(): bigint[][] }).tolist()[0]!, Number);
      expect(ids).toEqual(c.ids);
    },
  );

  it('generates past position 256, up to its 512-token context', async () => {
    const prompt = 'The painting of the sea at night. '.repeat(45);
    const input = generator.tokenizer(prompt);
    const promptLength = input.input_ids.dims[1]!;
    expect(promptLength).toBeGreaterThan(300);
    expect(promptLength).toBeLessThan(500);
    const output = await generator.model.generate({
      ...input,
      max_new_tokens: 8,
      min_new_tokens: 8,
    });
    expect((output as { dims: number[] }).dims[1]).toBe(promptLength + 8);
  });

  it('loads the q8 variant too', async () => {
    const q8 = (await pipeline('text-generation', fixture.model, {
      dtype: 'q8',
    })) as TextGenerationPipeline;
    const out = await q8('Love is', { max_new_tokens: 6, do_sample: false });
    expect((out as { generated_text: string }[])[0]?.generated_text.startsWith('Love is')).toBe(
      true,
    );
    await q8.dispose();
  });

  it('streams sampled text through the pipeline', async () => {
    const out = await generator('The artist', {
      max_new_tokens: 12,
      do_sample: true,
      temperature: 0.8,
      top_k: 40,
    });
    const first = (out as { generated_text: string }[])[0];
    expect(first?.generated_text.startsWith('The artist')).toBe(true);
    expect(first!.generated_text.length).toBeGreaterThan('The artist'.length);
  });
});
