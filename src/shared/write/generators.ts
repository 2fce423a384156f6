/**
 * The Write room's generators (title, description, caption, alt text, poem): what each asks the
 * model, how its output is tidied, and a grounded draft composed directly from what Atelier knows
 * about the work — so a person gets a useful text even from a tiny model, and the model's text is
 * offered beside it.
 */
import type { ImageAnalysis } from './analysis';
import { describeLook, listWords } from './describe';

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

function capitalise(s: string): string {
  return s.replace(/(^|[\s-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

function sentence(s: string): string {
  const t = s.trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : t;
}

function hashtag(s: string): string {
  return '#' + s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Composes the grounded draft for a generator from the context alone (no model). */
export function groundedDraft(id: GeneratorId, ctx: WriteContext): string {
  const a = ctx.analysis;
  const look = a ? describeLook(a) : null;
  const title = ctx.title.trim();
  const tags = ctx.tags.map((t) => t.trim()).filter(Boolean);
  const adj = look?.adjectives.length
    ? listWords(look.adjectives.slice(0, 2)).replace(' and ', ', ')
    : '';
  const colours = look?.colours ?? '';
  const notes = look?.notes ?? [];
  switch (id) {
    case 'title': {
      const colour = a?.palette[0]?.name;
      const subject = tags[0] ? capitalise(tags[0]) : 'Study';
      if (colour) return `${capitalise(colour)} ${subject}`;
      return title || 'Untitled';
    }
    case 'alt': {
      const what = `${adj ? `${adj} ` : ''}${look ? `${look.shape} ` : ''}image`;
      const showing = tags.length ? ` of ${listWords(tags.slice(0, 3))}` : '';
      const inColours = colours ? ` in ${colours}` : '';
      const extra = notes.length ? `, ${listWords(notes)}` : '';
      return `${/^[aeiou]/i.test(what) ? 'An' : 'A'} ${what}${showing}${inColours}${extra}.`;
    }
    case 'description': {
      const name = title ? `In “${title}”` : 'In this work';
      const first = colours
        ? `${name} I work with ${colours}${adj ? `, in ${adj} tones` : ''}${notes.length ? `, ${listWords(notes)}` : ''}.`
        : `${name} I follow the image where it leads.`;
      const themes = tags.length ? ` It is about ${listWords(tags.slice(0, 3))}.` : '';
      const made = ctx.effects.length
        ? ` Finished with ${listWords(ctx.effects.slice(0, 4))}.`
        : '';
      return first + themes + made;
    }
    case 'caption': {
      const lead = colours
        ? sentence(`${colours}${adj ? `, ${adj}` : ''}.`)
        : title
          ? `${title}.`
          : 'New work.';
      const words = [...tags, ...(a?.palette.slice(0, 2).map((p) => p.name) ?? [])];
      const tagsOut = [...new Set(['#art', ...words.map(hashtag)])]
        .filter((t) => t.length > 1)
        .slice(0, 5);
      return `${title && colours ? `${title}: ` : ''}${lead} ${tagsOut.join(' ')}`;
    }
    case 'poem': {
      const c1 = a?.palette[0]?.name ?? 'grey';
      const c2 = a?.palette[1]?.name ?? 'light';
      const mood = look?.adjectives[0] ?? 'quiet';
      const subject = title ? title.toLowerCase() : (tags[0] ?? 'the picture');
      return `${sentence(c1)} at the centre,\n${c2} where it ends —\n${subject}, ${mood}, holds still.`;
    }
  }
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
