/**
 * Prompts for the Write room's generators. One function builds both forms: chat messages (used
 * when the model's tokenizer has a chat template) and a plain completion prompt that ends on the
 * generator's cue ("Alt text:"), for small base models such as the bundled one.
 */
import { lookFacts } from './describe';
import { generatorById, type GeneratorId, type WriteContext } from './generators';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Prompt {
  messages: ChatMessage[];
  completion: string;
  /** True when the person's notes were cut to MAX_NOTES_CHARS. */
  notesTruncated: boolean;
}

/** Notes longer than this are cut before prompting (a megabyte of paste must not reach the model). */
export const MAX_NOTES_CHARS = 2000;
const MAX_FIELD_CHARS = 200;

export const SYSTEM_PROMPT =
  'You write short texts for a visual artist about their own artwork: titles, statements, ' +
  'captions, alt text and poems. Be concrete, warm and brief. Use only the facts given.';

function clean(s: string, max = MAX_FIELD_CHARS): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, max);
}

/** The facts block both prompt forms share, one "Label: value" per line. */
export function factLines(ctx: WriteContext): string[] {
  const lines: string[] = [];
  if (ctx.title.trim()) lines.push(`Artwork: ${clean(ctx.title)}`);
  const tags = ctx.tags.map((t) => clean(t, 40)).filter(Boolean);
  if (tags.length) lines.push(`Tags: ${tags.slice(0, 12).join(', ')}`);
  if (ctx.effects.length)
    lines.push(
      `Effects: ${ctx.effects
        .slice(0, 12)
        .map((e) => clean(e, 40))
        .join(', ')}`,
    );
  if (ctx.analysis) lines.push(`Look: ${lookFacts(ctx.analysis)}`);
  return lines;
}

export function buildPrompt(id: GeneratorId, ctx: WriteContext): Prompt {
  const def = generatorById(id);
  const rawNotes = (ctx.notes ?? '').trim();
  const notesTruncated = rawNotes.length > MAX_NOTES_CHARS;
  const notes = rawNotes.slice(0, MAX_NOTES_CHARS);
  const facts = factLines(ctx);
  const user = [...facts, ...(notes ? [`Notes from the artist: ${notes}`] : []), '', def.task].join(
    '\n',
  );
  const completion = [
    ...facts,
    ...(notes ? [`Notes: ${notes.replace(/\s+/g, ' ')}`] : []),
    `${def.cue}`,
  ].join('\n');
  return {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: user.trim() },
    ],
    completion,
    notesTruncated,
  };
}
