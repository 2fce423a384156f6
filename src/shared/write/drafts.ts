/**
 * Drafts a person could keep, composed on the device without a model from the facts of a work
 * (facts.ts): several candidates per task, in an order fixed by the work (so the same work always
 * opens on the same draft, and different works on different ones), and "Another" steps through
 * them. Haiku are counted by the pronouncing dictionary (lexicon.ts) and are 5-7-5 exactly.
 */
import { listWords } from './describe';
import type { WorkFacts } from './facts';
import { lineSyllables, rhymes, wordsOf, type Lexicon } from './lexicon';

export type DraftTask = 'title' | 'description' | 'caption' | 'alt' | 'poem';

/** Alt text length by default: screen-reader guidance keeps it to about 125 characters. */
export const ALT_MAX_CHARS = 125;

export interface DraftSet {
  candidates: string[];
  /** A plain note when the draft is weak for lack of facts (the alt text only knows colours). */
  hint: string | null;
}

export interface DraftOptions {
  /** Fixes the order of the candidates: the work's id. */
  key: string;
  lexicon: Lexicon;
  altMaxChars?: number;
  /** Poems: a rhymed quatrain instead of a haiku. */
  rhyme?: boolean;
}

/** FNV-1a: a small stable hash for ordering candidates per work. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function unique(list: (string | null | false | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of list) {
    if (!item) continue;
    const k = item.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

function rotate<T>(list: readonly T[], by: number): T[] {
  if (!list.length) return [];
  const n = by % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

const SMALL = /^(a|an|the|and|or|of|in|on|at|to|for|with|against|by)$/i;

export function titleCase(s: string): string {
  return s
    .split(' ')
    .map((w, i) =>
      i > 0 && SMALL.test(w) ? w.toLowerCase() : w.replace(/^\p{L}/u, (c) => c.toUpperCase()),
    )
    .join(' ');
}

function sentenceCase(s: string): string {
  const t = s.trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : t;
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** Nouns that name the light and mood, for titles without a subject. */
function moodNouns(f: WorkFacts): string[] {
  const out: string[] = [];
  if (f.light === 'dark') out.push('Nocturne', 'After Dark');
  if (f.light === 'bright') out.push('Morning', 'Open Light');
  for (const m of f.mood) {
    if (m === 'warm') out.push('Afterglow', 'Warm Hour');
    if (m === 'cool') out.push('Blue Hour', 'Cold Light');
    if (m === 'soft') out.push('Hush', 'Haze');
    if (m === 'vivid') out.push('Fanfare');
    if (m === 'muted') out.push('Stillness');
    if (m === 'high-contrast') out.push('Light and Shadow');
  }
  out.push('Quiet Hour', 'Study');
  return unique(out);
}

function titles(f: WorkFacts, seed: number): string[] {
  const s = f.subjectWord ? titleCase(f.subjectWord) : null;
  const [c1, c2] = f.colours.map(titleCase);
  const nouns = rotate(moodNouns(f), seed);
  const n0 = nouns[0]!;
  const n1 = nouns[1] ?? n0;
  const list = s
    ? [c1 && `${s} in ${c1}`, `${s}, ${n0}`, c2 && `${s} against ${c2}`, `Study of ${s}`]
    : [
        c1 && `${n0} in ${c1}`,
        c1 && c2 && `${c1} and ${c2}`,
        c1 && `Study in ${c1}`,
        c2 && `${n1} in ${c2}`,
        `${n0}`,
      ];
  return rotate(unique(list), seed);
}

function lightPhrase(f: WorkFacts): string {
  return f.light === 'dark'
    ? 'a low, dark light'
    : f.light === 'bright'
      ? 'a bright, open light'
      : 'an even light';
}

function moodPhrase(f: WorkFacts): string {
  return listWords(f.mood.slice(0, 2));
}

const FORMAT_LINE: Record<WorkFacts['format'], string> = {
  wide: 'The wide format lets the eye travel across it.',
  tall: 'The tall format draws the eye upward.',
  square: 'The square format keeps everything in balance.',
};

function descriptions(f: WorkFacts, seed: number): string[] {
  const name = f.title ? `“${f.title}”` : 'this piece';
  const colours = listWords(f.colours);
  const mood = moodPhrase(f);
  const about =
    f.subjectFrom === 'notes'
      ? `It began with ${lowerFirst(f.notesSentence)}.`
      : f.subjectFrom === 'tags'
        ? `It is about ${listWords(f.tags.slice(0, 3))}.`
        : '';
  const made = f.effects.length
    ? `I finished it with ${listWords(f.effects.slice(0, 3))}.`
    : FORMAT_LINE[f.format];
  const firsts = colours
    ? [
        `In ${name} I work with ${colours}${mood ? `, keeping it ${mood}` : ''}.`,
        `${sentenceCase(name)} is built on ${colours} and ${lightPhrase(f)}.`,
        `With ${name} I let ${colours} carry the mood${mood ? `: ${mood}` : ''}.`,
      ]
    : [
        `In ${name} I follow the image where it leads.`,
        `${sentenceCase(name)} is about ${lightPhrase(f)}.`,
      ];
  return rotate(firsts, seed).map((first) => [first, about, made].filter(Boolean).join(' '));
}

function hashtag(s: string): string {
  return '#' + s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function captions(f: WorkFacts, seed: number): string[] {
  const colours = listWords(f.colours.slice(0, 2));
  const mood = moodPhrase(f);
  const what = f.subjectFrom === 'notes' || f.subjectFrom === 'tags' ? f.subjectWord : null;
  const tags = unique([
    ...f.tags.slice(0, 3).map(hashtag),
    what && hashtag(what),
    f.colours[0] && hashtag(f.colours[0]),
    f.mood[0] && hashtag(`${f.mood[0]} tones`),
    '#art',
  ]).slice(0, 5);
  const named = f.title ?? (what ? sentenceCase(what) : null);
  const leads = colours
    ? [
        named
          ? `${named}: ${colours}${mood ? `, ${mood}` : ''}.`
          : `${sentenceCase(colours)}${mood ? `, ${mood}` : ''}.`,
        `New work${named ? `, “${named}”` : ''}: ${colours} in ${lightPhrase(f)}.`,
        `${sentenceCase(colours)} in ${lightPhrase(f)}${named ? ` — ${named}` : ''}.`,
      ]
    : [`${named ? `${named}. ` : ''}New work, fresh from the studio.`];
  const withEffects = f.effects.length ? ` Finished with ${listWords(f.effects.slice(0, 2))}.` : '';
  return rotate(leads, seed).map(
    (lead, i) => `${lead}${i === 0 ? withEffects : ''} ${tags.join(' ')}`,
  );
}

/** Cuts a phrase at a word boundary to at most `max` characters. */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max + 1);
  const comma = cut.lastIndexOf(',');
  if (comma > max * 0.5) return cut.slice(0, comma);
  return cut.slice(0, cut.lastIndexOf(' ')).replace(/[,;:]$/, '');
}

function alts(f: WorkFacts, max: number): string[] {
  const colours = listWords(f.colours);
  const tone = [...f.mood.slice(0, 2), f.light === 'even' ? '' : f.light].filter(Boolean);
  const subject =
    f.subjectFrom === 'notes' || f.subjectFrom === 'tags'
      ? sentenceCase(f.subject!)
      : f.subjectFrom === 'title'
        ? `“${f.title}”`
        : null;
  const out: string[] = [];
  if (subject) {
    // What is depicted first, then the style; each step drops a detail, so one always fits.
    const styles = [
      colours &&
        tone.length &&
        `${sentenceCase(tone.join(', '))} tones of ${colours}, ${f.format} format.`,
      colours && tone.length && `${sentenceCase(tone.join(', '))} tones of ${colours}.`,
      colours && `In ${colours}.`,
      '',
    ];
    for (const style of styles) {
      if (typeof style !== 'string') continue;
      const text = `${subject.replace(/[.!?]+$/, '')}.${style ? ` ${style}` : ''}`;
      if (text.length <= max) out.push(text);
    }
    if (!out.length) out.push(`${clip(subject, max - 1)}.`);
  } else {
    const kind = `${tone.length ? `${tone.join(', ')}, ` : ''}${f.format} picture`;
    const tail = f.lookNotes[0] ? `, ${f.lookNotes[0]}` : '';
    for (const text of [
      `${sentenceCase(`${article(kind)} ${kind}`)}${colours ? ` in ${colours}` : ''}${tail}.`,
      `${sentenceCase(`${article(kind)} ${kind}`)}${colours ? ` in ${colours}` : ''}.`,
    ])
      if (text.length <= max) out.push(text);
    if (!out.length)
      out.push(`${clip(colours ? `A picture in ${colours}` : 'A picture', max - 1)}.`);
  }
  return unique(out);
}

// ---------------------------------------------------------------------------------------------
// Poems

interface Slots {
  s: string;
  c1: string;
  c2: string;
  m: string;
}

const LINE_5 = [
  '{c1} at the edge',
  '{c1} light, {c2} shade',
  'a {m} {c1} hour',
  '{c1} and {c2}',
  'the {s} in {c1}',
  'the {s}, {m}',
  'morning in {c1}',
  'the {s} waits',
  'late {c1} light',
  'a field of {c1}',
  'the light holds its breath',
];
const LINE_7 = [
  'the {s} holds the {c2} light',
  '{c2} gathers at the edges',
  'where {c1} gives way to {c2}',
  'a {m} hour settles in',
  '{m} light across the {s}',
  'something {m} waits in the {c2}',
  '{c1} spills into the {c2}',
  'and the {s} does not move',
  'the light leans toward the {s}',
  'nothing moves except the light',
];
const LINE_5_END = [
  'the {s} stays',
  'and then, the {c2}',
  '{m}, and still',
  'all of it {m}',
  'the room holds its breath',
  'nothing moves but light',
  'the {c2} remains',
  'the {s} rests here',
  'the day lets it go',
];
const PADS: readonly [string, string][] = [
  ['', ''],
  ['now ', ''],
  ['and ', ''],
  ['', ' now'],
  ['slowly ', ''],
  ['', ' again'],
  ['still, ', ''],
];

const END_PADS: readonly [string, string][] = [
  ['', ''],
  ['and ', ''],
  ['', ' now'],
  ['', ' again'],
];

const FUNCTION_WORDS = new Set(
  'a an the and of in at to its it now then all and but so still slowly again where'.split(' '),
);

function contentWords(line: string): string[] {
  return wordsOf(line).filter((w) => !FUNCTION_WORDS.has(w));
}

/** The first line sharing no content word with the lines already chosen (else the first). */
function pickApart(lines: readonly string[], chosen: readonly string[]): string {
  const used = new Set(chosen.flatMap(contentWords));
  return lines.find((l) => !contentWords(l).some((w) => used.has(w))) ?? lines[0]!;
}

function fill(template: string, slots: Slots): string | null {
  let missing = false;
  const out = template.replace(/\{(s|c1|c2|m)\}/g, (_, k: keyof Slots) => {
    const v = slots[k];
    if (!v) missing = true;
    return v;
  });
  return missing ? null : out;
}

/** Lines of exactly `target` syllables, every word in the dictionary, most specific first. */
function fitLines(
  templates: readonly string[],
  slots: Slots,
  target: number,
  lex: Lexicon,
  pads: readonly (readonly [string, string])[] = PADS,
): string[] {
  const scored: { line: string; slots: number }[] = [];
  for (const t of templates) {
    const base = fill(t, slots);
    if (!base) continue;
    for (const [pre, post] of pads) {
      const line = `${pre}${base}${post}`;
      const { count, unknown } = lineSyllables(line, lex);
      if (count === target && !unknown.length) {
        scored.push({ line, slots: (t.match(/\{/g) ?? []).length });
        break;
      }
    }
  }
  return scored.sort((a, b) => b.slots - a.slots).map((x) => x.line);
}

function haikus(f: WorkFacts, seed: number, lex: Lexicon): string[] {
  const slots: Slots = {
    s: f.subjectWord && f.subjectWord.split(' ').length <= 2 ? f.subjectWord : '',
    c1: f.colours[0] ?? '',
    c2: f.colours[1] ?? (f.light === 'dark' ? 'dark' : 'light'),
    m:
      f.mood[0] === 'high-contrast'
        ? 'sharp'
        : (f.mood[0] ?? (f.light === 'dark' ? 'dark' : 'quiet')),
  };
  const l1 = rotate(fitLines(LINE_5, slots, 5, lex), seed);
  const l2 = rotate(fitLines(LINE_7, slots, 7, lex), seed >>> 3);
  const l3 = rotate(fitLines(LINE_5_END, slots, 5, lex, END_PADS), seed >>> 6);
  const out: string[] = [];
  for (let k = 0; k < 3 && l1.length && l2.length && l3.length; k++) {
    const a = l1[k % l1.length]!;
    const b = pickApart(rotate(l2, k), [a]);
    const c = pickApart(rotate(l3, k), [a, b]);
    out.push([sentenceCase(a), b, c].join('\n'));
  }
  return unique(out);
}

/** Nouns that read well after "in the", in pairs the dictionary must confirm rhyme. */
const RHYME_PAIRS: readonly [string, string][] = [
  ['light', 'night'],
  ['day', 'grey'],
  ['gold', 'cold'],
  ['blue', 'dew'],
  ['shade', 'glade'],
  ['air', 'stair'],
];

function quatrains(f: WorkFacts, seed: number, lex: Lexicon): string[] {
  const s = f.subjectWord ?? 'picture';
  const c1 = f.colours[0] ?? 'grey';
  const c2 = f.colours[1] ?? 'light';
  const m = f.mood[0] === 'high-contrast' ? 'sharp' : (f.mood[0] ?? 'quiet');
  const pairs = rotate(
    RHYME_PAIRS.filter(([a, b]) => rhymes(a, b, lex)),
    seed,
  );
  const out: string[] = [];
  for (let k = 0; k + 1 < pairs.length && out.length < 3; k += 2) {
    const [a1, a2] = pairs[k]!;
    const [b1, b2] = pairs[k + 1]!;
    out.push(
      [
        `${sentenceCase(c1)} comes first, and then the ${a1},`,
        `the ${s} is resting in the ${a2};`,
        `${c2} is waiting in the ${b1},`,
        `and all of it is ${m}, in the ${b2}.`,
      ].join('\n'),
    );
  }
  return out;
}

/**
 * The candidates for a task, best first for this work.
 */
export function composeDrafts(task: DraftTask, f: WorkFacts, options: DraftOptions): DraftSet {
  const seed = hashKey(`${options.key}:${task}`);
  const max = options.altMaxChars ?? ALT_MAX_CHARS;
  switch (task) {
    case 'title':
      return { candidates: titles(f, seed), hint: null };
    case 'description':
      return { candidates: descriptions(f, seed), hint: null };
    case 'caption':
      return { candidates: captions(f, seed), hint: null };
    case 'alt':
      return {
        candidates: alts(f, max),
        hint:
          f.subjectFrom === null
            ? 'This alt text only knows the colours. Add a few words about the subject for better alt text.'
            : f.subjectFrom === 'title'
              ? 'Only the title says what this shows. Add a few words about the subject for better alt text.'
              : null,
      };
    case 'poem': {
      const poems = options.rhyme
        ? quatrains(f, seed, options.lexicon)
        : haikus(f, seed, options.lexicon);
      return { candidates: poems, hint: null };
    }
  }
}
