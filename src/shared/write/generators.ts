/**
 * The Write room's generators (title, description, caption, alt text, poem): what each asks the
 * model and how its output is tidied. Drafts without a model are composed in drafts.ts.
 */
import type { ImageAnalysis } from './analysis';

export type GeneratorId = 'title' | 'description' | 'caption' | 'alt' | 'poem';

/** What Atelier knows about the work being written about. */
export interface WriteContext {
  title: string;
  tags: readonly string[];
  /** Names of the effects in its stack, in order ("grain", "vignette"). */
  effects: readonly string[];
  analysis: ImageAnalysis | null;
  /** The person's own words to steer the text (optional). */
  notes?: string;
}

export interface GeneratorDef {
  id: GeneratorId;
  label: string;
  /** One line under the picker. */
  hint: string;
  /** The request, for chat models. */
  task: string;
  /** The label a plain (non-chat) model continues after, e.g. "Alt text:". */
  cue: string;
  /** Default max new tokens. */
  maxNewTokens: number;
  /** How the model's output is cut: first line, first paragraph, or as is. */
  shape: 'line' | 'paragraph' | 'text';
}

export const GENERATORS: readonly GeneratorDef[] = [
  {
    id: 'title',
    label: 'Title',
    hint: 'A short title for the work.',
    task: 'Suggest one short, evocative title (at most six words) for this artwork. Answer with the title only.',
    cue: 'Title:',
    maxNewTokens: 16,
    shape: 'line',
  },
  {
    id: 'description',
    label: 'Description',
    hint: 'An artist statement in the first person.',
    task: 'Write a short artist statement (two or three sentences, first person) about this artwork.',
    cue: 'Artist statement:',
    maxNewTokens: 120,
    shape: 'paragraph',
  },
  {
    id: 'caption',
    label: 'Social caption',
    hint: 'One or two lines with hashtags.',
    task: 'Write a social media caption (one or two sentences) for this artwork, ending with three to five hashtags.',
    cue: 'Caption:',
    maxNewTokens: 60,
    shape: 'paragraph',
  },
  {
    id: 'alt',
    label: 'Alt text',
    hint: 'What the image shows, for people who cannot see it.',
    task: 'Write alt text for this image: one factual sentence describing what it looks like, under 150 characters.',
    cue: 'Alt text:',
    maxNewTokens: 48,
    shape: 'line',
  },
  {
    id: 'poem',
    label: 'Poem',
    hint: 'A haiku (5-7-5 syllables), or a rhymed quatrain.',
    task: 'Write a short poem (three to six lines) inspired by this artwork.',
    cue: 'Poem:',
    maxNewTokens: 80,
    shape: 'text',
  },
];

/** @throws Error for an unknown generator id. */
export function generatorById(id: string): GeneratorDef {
  const found = GENERATORS.find((g) => g.id === id);
  if (!found) throw new Error(`Unknown generator: ${id}`);
  return found;
}

/** Tidies a model's raw output for the generator's shape. */
export function finishText(def: GeneratorDef, raw: string): string {
  let text = raw.replace(/\r\n?/g, '\n').replace(/<\|[^|]*\|>/g, '');
  text = text.replace(/^\s+/, '');
  if (def.shape === 'line') text = text.split('\n')[0] ?? '';
  else if (def.shape === 'paragraph') text = text.split(/\n\s*\n/)[0] ?? '';
  text = text.trim();
  if (def.id === 'title') text = text.replace(/^["“'‘]+|["”'’.]+$/g, '').trim();
  return text;
}
