/**
 * Generation parameters and the context budget. Whatever arrives (a slider, a URL, a test asking
 * for a million tokens), `clampParams` returns values the runtime can use, and `planContext`
 * fits prompt plus output into the model's context, saying what it had to drop.
 */

export interface GenerationParams {
  maxNewTokens: number;
  /** 0 means greedy (no sampling). */
  temperature: number;
  /** 0 disables top-k. */
  topK: number;
  topP: number;
  repetitionPenalty: number;
  /** A fixed seed gives reproducible drafts; null draws a fresh one. */
  seed: number | null;
}

export const PARAM_LIMITS = {
  maxNewTokens: { min: 1, max: 512 },
  temperature: { min: 0, max: 2 },
  topK: { min: 0, max: 200 },
  topP: { min: 0.05, max: 1 },
  repetitionPenalty: { min: 1, max: 2 },
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

export const DEFAULT_PARAMS: GenerationParams = {
  maxNewTokens: 64,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  repetitionPenalty: 1.15,
  seed: null,
};

function clamp(v: unknown, min: number, max: number, fallback: number, integer = false): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return fallback;
  const c = Math.min(max, Math.max(min, n));
  return integer ? Math.round(c) : c;
}

/** Returns usable parameters from anything: out-of-range values are clamped, junk gets defaults. */
export function clampParams(
  input: Partial<Record<keyof GenerationParams, unknown>> = {},
): GenerationParams {
  const L = PARAM_LIMITS;
  const d = DEFAULT_PARAMS;
  const seedIn = input.seed;
  return {
    maxNewTokens: clamp(
      input.maxNewTokens,
      L.maxNewTokens.min,
      L.maxNewTokens.max,
      d.maxNewTokens,
      true,
    ),
    temperature: clamp(input.temperature, L.temperature.min, L.temperature.max, d.temperature),
    topK: clamp(input.topK, L.topK.min, L.topK.max, d.topK, true),
    topP: clamp(input.topP, L.topP.min, L.topP.max, d.topP),
    repetitionPenalty: clamp(
      input.repetitionPenalty,
      L.repetitionPenalty.min,
      L.repetitionPenalty.max,
      d.repetitionPenalty,
    ),
    seed:
      seedIn === null || seedIn === undefined || seedIn === ''
        ? null
        : clamp(seedIn, L.seed.min, L.seed.max, 0, true),
  };
}

export interface ContextPlan {
  /** Prompt tokens to keep (the last ones: the cue sits at the end). */
  keepPromptTokens: number;
  maxNewTokens: number;
  /** Prompt tokens dropped from the start; 0 when everything fit. */
  droppedTokens: number;
  /** Output tokens cut from what was asked for. */
  outputCut: number;
}

/** Room always left for the prompt, so output never takes the whole context. */
export const MIN_PROMPT_TOKENS = 16;

/**
 * Fits a prompt and the wanted output into `contextLength` tokens: output is capped first (to
 * leave MIN_PROMPT_TOKENS), then the prompt loses tokens from its start.
 * @throws Error when the context is too small to hold anything useful.
 */
export function planContext(options: {
  promptTokens: number;
  maxNewTokens: number;
  contextLength: number;
}): ContextPlan {
  const { promptTokens, contextLength } = options;
  if (!(contextLength > MIN_PROMPT_TOKENS)) {
    throw new Error(`A context of ${contextLength} tokens is too small to generate text.`);
  }
  const wanted = Math.max(1, Math.floor(options.maxNewTokens));
  const maxNewTokens = Math.min(wanted, contextLength - MIN_PROMPT_TOKENS);
  const room = contextLength - maxNewTokens;
  const keepPromptTokens = Math.min(promptTokens, room);
  return {
    keepPromptTokens,
    maxNewTokens,
    droppedTokens: promptTokens - keepPromptTokens,
    outputCut: wanted - maxNewTokens,
  };
}

/** The visible notice for a plan, or null when nothing was cut. */
export function contextNotice(plan: ContextPlan, contextLength: number): string | null {
  const parts: string[] = [];
  if (plan.droppedTokens > 0) {
    parts.push(
      `The prompt was too long for this model's ${contextLength}-token context: its first ${plan.droppedTokens} tokens were left out.`,
    );
  }
  if (plan.outputCut > 0) {
    parts.push(`The length was capped at ${plan.maxNewTokens} tokens to fit the context.`);
  }
  return parts.length ? parts.join(' ') : null;
}
