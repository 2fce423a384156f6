import { describe, expect, it } from 'vitest';
import { clampParams, contextNotice, DEFAULT_PARAMS, planContext } from './params';

describe('clampParams', () => {
  it('clamps out-of-range values and rounds integers', () => {
    expect(
      clampParams({
        maxNewTokens: 1_000_000,
        temperature: 9,
        topK: -3,
        topP: 0,
        repetitionPenalty: 0.2,
        seed: 2 ** 40,
      }),
    ).toEqual({
      maxNewTokens: 512,
      temperature: 2,
      topK: 0,
      topP: 0.05,
      repetitionPenalty: 1,
      seed: 4294967295,
    });
    expect(clampParams({ maxNewTokens: 12.6, topK: '7', seed: '42' })).toMatchObject({
      maxNewTokens: 13,
      topK: 7,
      seed: 42,
    });
  });

  it('replaces junk with defaults and keeps a null seed', () => {
    expect(
      clampParams({ maxNewTokens: NaN, temperature: 'hot', topP: Infinity, seed: null }),
    ).toEqual(DEFAULT_PARAMS);
    expect(clampParams()).toEqual(DEFAULT_PARAMS);
    expect(clampParams({ seed: '' }).seed).toBeNull();
  });
});

describe('planContext', () => {
  it('keeps everything when it fits', () => {
    expect(planContext({ promptTokens: 100, maxNewTokens: 64, contextLength: 512 })).toEqual({
      keepPromptTokens: 100,
      maxNewTokens: 64,
      droppedTokens: 0,
      outputCut: 0,
    });
  });

  it('drops the start of a long prompt and says so', () => {
    const plan = planContext({ promptTokens: 300_000, maxNewTokens: 64, contextLength: 512 });
    expect(plan).toEqual({
      keepPromptTokens: 448,
      maxNewTokens: 64,
      droppedTokens: 299_552,
      outputCut: 0,
    });
    expect(contextNotice(plan, 512)).toMatchInlineSnapshot(
      `"The prompt was too long for this model's 512-token context: its first 299552 tokens were left out."`,
    );
  });

  it('caps output to leave room for a prompt', () => {
    const plan = planContext({ promptTokens: 40, maxNewTokens: 1_000_000, contextLength: 512 });
    expect(plan.maxNewTokens).toBe(496);
    expect(plan.keepPromptTokens).toBe(16);
    expect(contextNotice(plan, 512)).toContain('The length was capped at 496 tokens');
    expect(
      contextNotice(planContext({ promptTokens: 1, maxNewTokens: 1, contextLength: 64 }), 64),
    ).toBeNull();
  });

  it('refuses a context too small to use', () => {
    expect(() => planContext({ promptTokens: 1, maxNewTokens: 1, contextLength: 8 })).toThrow(
      'A context of 8 tokens is too small to generate text.',
    );
  });
});
