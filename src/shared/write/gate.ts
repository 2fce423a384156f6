/**
 * The quality gate for text models: a committed prompt suite per task (GATE_SUITE), run greedily,
 * each text checked by quality.ts. A model passes a task when at least two thirds of the suite's
 * texts pass; a model that fails a task is only offered for it as "experimental", and its text
 * for that task never goes into the box unasked. The bundled model's results are committed
 * (gate-bundled.json, rebuilt by workers/text/gate.test.ts with GATE_WRITE=1).
 */
import type { ImageAnalysis } from './analysis';
import type { DraftTask } from './drafts';
import { generatorById, finishText, type WriteContext } from './generators';
import type { Lexicon } from './lexicon';
import { buildPrompt, type Prompt } from './prompt';
import { checkText } from './quality';
import BUNDLED from './gate-bundled.json';

export const GATE_TASKS: readonly DraftTask[] = ['title', 'description', 'caption', 'alt', 'poem'];
export const GATE_PASS_SHARE = 2 / 3;

const look = (over: Partial<ImageAnalysis> & Pick<ImageAnalysis, 'palette'>): ImageAnalysis => ({
  width: 1600,
  height: 1200,
  brightness: 0.5,
  contrast: 0.18,
  warmth: 0,
  saturation: 0.35,
  orientation: 'landscape',
  detail: 0.3,
  edgeFalloff: 0,
  ...over,
});

/** Three works the suite writes about, for every task. */
export const GATE_SUITE: readonly WriteContext[] = [
  {
    title: 'Harbour at Dusk',
    tags: ['harbour', 'boats'],
    effects: ['a soft vignette'],
    analysis: look({
      palette: [
        { name: 'deep orange', hex: '#c8480f', share: 0.6 },
        { name: 'navy', hex: '#1a2660', share: 0.4 },
      ],
      warmth: 0.2,
    }),
    notes: 'Fishing boats coming home at sunset.',
  },
  {
    title: 'Portrait',
    tags: ['astronaut', 'portrait'],
    effects: [],
    analysis: look({
      palette: [
        { name: 'white', hex: '#f8f8f4', share: 0.5 },
        { name: 'black', hex: '#101010', share: 0.3 },
      ],
      orientation: 'portrait',
    }),
  },
  {
    title: 'Morning Coffee',
    tags: ['coffee', 'still life'],
    effects: ['a little warmth'],
    analysis: look({
      palette: [
        { name: 'maroon', hex: '#6d1a1f', share: 0.5 },
        { name: 'cream', hex: '#f3e5c0', share: 0.4 },
      ],
      brightness: 0.7,
    }),
  },
];

export interface GateSample {
  text: string;
  problems: string[];
}
export interface GateTaskResult {
  passed: number;
  total: number;
  ok: boolean;
  samples: GateSample[];
}
export interface GateResults {
  modelId: string;
  /** SHA-256 of the ONNX file the suite ran on. */
  onnxSha256: string;
  dtype: string;
  tasks: Record<DraftTask, GateTaskResult>;
}

/** Runs the suite through `generate` (greedy decoding), checking every text. */
export async function runGate(options: {
  generate: (prompt: Prompt, maxNewTokens: number) => Promise<string>;
  lexicon: Lexicon;
  onProgress?: (done: number, total: number) => void;
}): Promise<Record<DraftTask, GateTaskResult>> {
  const out = {} as Record<DraftTask, GateTaskResult>;
  const total = GATE_TASKS.length * GATE_SUITE.length;
  let done = 0;
  for (const task of GATE_TASKS) {
    const def = generatorById(task);
    const samples: GateSample[] = [];
    for (const ctx of GATE_SUITE) {
      const raw = await options.generate(buildPrompt(task, ctx), def.maxNewTokens);
      const text = finishText(def, raw);
      samples.push({
        text,
        problems: checkText(task, text, options.lexicon, factWords(ctx)).problems,
      });
      options.onProgress?.(++done, total);
    }
    const passed = samples.filter((s) => !s.problems.length).length;
    out[task] = {
      passed,
      total: samples.length,
      ok: passed / samples.length >= GATE_PASS_SHARE,
      samples,
    };
  }
  return out;
}

/** The words a text about this work should mention: tags, title words, colour names. */
export function factWords(ctx: WriteContext): string[] {
  return [
    ...ctx.tags,
    ...ctx.title.split(/\s+/).filter((w) => w.length > 3),
    ...(ctx.analysis?.palette.map((p) => p.name) ?? []),
  ];
}

export type GateVerdict =
  { status: 'passed' | 'failed'; passed: number; total: number } | { status: 'unchecked' };

/** The gate results committed for the bundled model with this id, or null. */
export function bundledGate(modelId: string): GateResults | null {
  const r = BUNDLED as unknown as GateResults;
  return r.modelId === modelId ? r : null;
}

/** A model's verdict for a task: its stored results, or the committed ones for the bundled model. */
export function gateFor(
  model: { bundled?: { id: string }; stored?: { gate?: GateResults['tasks'] } } | null,
  task: DraftTask,
): GateVerdict {
  const tasks =
    model?.stored?.gate ?? (model?.bundled ? bundledGate(model.bundled.id)?.tasks : undefined);
  const t = tasks?.[task];
  if (!t) return { status: 'unchecked' };
  return { status: t.ok ? 'passed' : 'failed', passed: t.passed, total: t.total };
}
