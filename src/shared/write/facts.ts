/**
 * What a work really holds, in words fit for a text: the artist's own title (unless it is a
 * camera file name, a slug or a hash), tags and notes first; then the look of the original
 * (plain colour names, light, mood, format) and the effects in plain words. Every draft is built
 * from these facts only, so no id, hash or parameter can reach a text.
 */
import type { ImageAnalysis } from './analysis';
import { describeLook, listWords } from './describe';

export interface FactsInput {
  title: string;
  tags: readonly string[];
  /** Effects in plain words ("a soft vignette", "warmed"). */
  effects: readonly string[];
  analysis: ImageAnalysis | null;
  notes?: string;
}

export interface WorkFacts {
  /** The artist's title, tidied; null when it is a file name, slug, id or hash. */
  title: string | null;
  /** What the work shows, as a phrase ("an astronaut in a white suit"), or null. */
  subject: string | null;
  /** A short noun for the subject, for titles and poems ("astronaut", "harbour"). */
  subjectWord: string | null;
  /** Where the subject came from: the notes are the artist's own description. */
  subjectFrom: 'notes' | 'tags' | 'title' | null;
  tags: string[];
  /** The notes' first sentence (the artist's words), or ''. */
  notesSentence: string;
  /** Plain colour names, most common first (at most 3). */
  colours: string[];
  light: 'bright' | 'dark' | 'even';
  /** Mood words, most telling first: warm, cool, soft, high-contrast, muted, vivid. */
  mood: string[];
  format: 'wide' | 'tall' | 'square';
  /** Extra look phrases: "darkened at the edges", "finely detailed". */
  lookNotes: string[];
  effects: string[];
}

const CAMERA_NAME =
  /^(img|dsc|dscn|dscf|pxl|mvimg|photo|image|screenshot|screen shot|scan|untitled|vid|gopr|dji|p\d)[\s_-]*\d/i;

/** A word that looks machine-made: hex, or letters and digits mixed (lmx7n6ww06, a3f9). */
function machineWord(w: string): boolean {
  if (/^[0-9a-f]{6,}$/i.test(w) && /\d/.test(w)) return true;
  return /\d/.test(w) && /[a-z]/i.test(w) && !/^\d+(st|nd|rd|th|s)$/i.test(w);
}

/**
 * The artist's title in plain words, or null when it is not one a person gave: "IMG_2034",
 * "lmx7n6ww06", a hash. Separators become spaces, trailing counters go ("coffee-cup-03" →
 * "Coffee cup").
 */
export function humanTitle(raw: string): string | null {
  const t = raw.replace(/\.[a-z0-9]{2,5}$/i, '').trim();
  if (!t || CAMERA_NAME.test(t)) return null;
  const spaced = /\s/.test(t) ? t : t.replace(/[_-]+/g, ' ');
  const words = spaced.replace(/[_]+/g, ' ').split(/\s+/).filter(Boolean);
  while (words.length > 1 && /^\(?\d+\)?$/.test(words.at(-1)!)) words.pop();
  if (!words.length || words.some(machineWord)) return null;
  if (!words.some((w) => /\p{L}{2,}/u.test(w))) return null;
  const text = words.join(' ');
  if (/^untitled$/i.test(text)) return null;
  return text === text.toLowerCase() ? text[0]!.toUpperCase() + text.slice(1) : text;
}

const ARTICLE = /^(a|an|the|my|our|his|her|their|this|that)$/i;
const STOP =
  /^(in|at|on|with|under|by|of|from|against|holding|and|or|near|over|beside|behind|while|who|that|which|after|before|during|into|for|is|was|are)$/i;

/** The notes' first sentence, without "This is" / "It's" openers. */
function firstSentence(notes: string): string {
  const s = notes.replace(/\s+/g, ' ').trim();
  const first = (/^(.+?[.!?])(\s|$)/.exec(s)?.[1] ?? s).replace(/[.!?]+$/, '');
  return first
    .replace(
      /^(this is|this shows|it is|it's|here is|here's|i painted|i photographed|i drew)\s+/i,
      '',
    )
    .trim();
}

/** The head of a noun phrase: "an astronaut in a white suit" → "astronaut". */
export function headNoun(phrase: string): string | null {
  const words = phrase
    .replace(/[,;:—–()"“”]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  let i = 0;
  while (i < words.length && ARTICLE.test(words[i]!)) i++;
  const head: string[] = [];
  for (; i < words.length && head.length < 3; i++) {
    if (STOP.test(words[i]!)) break;
    head.push(words[i]!);
  }
  const out = head.join(' ').toLowerCase();
  return out && !head.some(machineWord) ? out : null;
}

export function workFacts(input: FactsInput): WorkFacts {
  const title = humanTitle(input.title);
  const tags = input.tags
    .map((t) => t.trim().replace(/^#/, ''))
    .filter((t) => t && !machineWord(t));
  const notesSentence = firstSentence(input.notes ?? '');
  let subject: string | null = null;
  let subjectWord: string | null = null;
  let subjectFrom: WorkFacts['subjectFrom'] = null;
  if (notesSentence) {
    subject = notesSentence;
    subjectWord = headNoun(notesSentence);
    subjectFrom = 'notes';
  }
  if (!subjectWord && tags.length) {
    subject ??= listWords(tags.slice(0, 3));
    subjectWord = tags[0]!.toLowerCase();
    subjectFrom ??= 'tags';
  }
  if (!subjectWord && title) {
    subject ??= title;
    subjectWord = headNoun(title) ?? title.toLowerCase();
    subjectFrom ??= 'title';
  }
  const a = input.analysis;
  const look = a ? describeLook(a) : null;
  const light: WorkFacts['light'] = !a
    ? 'even'
    : a.brightness < 0.3
      ? 'dark'
      : a.brightness > 0.65
        ? 'bright'
        : 'even';
  return {
    title,
    subject,
    subjectWord,
    subjectFrom,
    tags,
    notesSentence,
    colours: a ? a.palette.slice(0, 3).map((p) => p.name) : [],
    light,
    mood: look ? look.adjectives.filter((w) => w !== 'dark' && w !== 'bright') : [],
    format: (look?.shape as WorkFacts['format'] | undefined) ?? 'square',
    lookNotes: look?.notes ?? [],
    effects: [...input.effects],
  };
}
