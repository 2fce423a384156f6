/**
 * The quality check a model's text must pass before the Write room offers it: the right length
 * for the task, no repetition loops, mostly dictionary words, and the task's format (one line for
 * a title, hashtags in a caption, three to six lines in a poem, no echoed labels or markup).
 * Problems are in plain words, for the person.
 */
import type { DraftTask } from './drafts';
import { dictionaryShare, wordsOf, type Lexicon } from './lexicon';

export interface TextCheck {
  ok: boolean;
  problems: string[];
}

const WORDS: Record<DraftTask, [number, number]> = {
  title: [1, 8],
  description: [15, 120],
  caption: [4, 60],
  alt: [4, 30],
  poem: [8, 80],
};

/** Share of words that must be in the dictionary. */
export const MIN_DICTIONARY_SHARE = 0.85;

/** True when a word 1–4-gram repeats back to back three times, or one word is over a third. */
export function hasRepetitionLoop(text: string): boolean {
  const words = wordsOf(text);
  for (let n = 1; n <= 4; n++) {
    for (let i = 0; i + 3 * n <= words.length; i++) {
      const a = words.slice(i, i + n).join(' ');
      if (
        a === words.slice(i + n, i + 2 * n).join(' ') &&
        a === words.slice(i + 2 * n, i + 3 * n).join(' ')
      )
        return true;
    }
  }
  if (words.length >= 9) {
    const counts = new Map<string, number>();
    for (const w of words) if (w.length > 3) counts.set(w, (counts.get(w) ?? 0) + 1);
    if ([...counts.values()].some((c) => c > words.length / 3)) return true;
  }
  return /(.)\1{5,}/.test(text);
}

const DANGLING = new Set(
  'the a an of and or to in on with at by for is are was my your their its from that'.split(' '),
);

/**
 * Checks a model's text for a task. `facts` are the words the text should be about (the work's
 * tags, title words, colour names): a text that mentions none of them does not follow the task.
 */
export function checkText(
  task: DraftTask,
  text: string,
  lex: Lexicon,
  facts: readonly string[] = [],
): TextCheck {
  const problems: string[] = [];
  const t = text.trim();
  const words = wordsOf(t);
  const [min, max] = WORDS[task];
  if (words.length < min) problems.push('It is too short.');
  if (words.length > max) problems.push('It is too long.');
  if (task === 'alt' && t.length > 150) problems.push('It is longer than alt text should be.');
  if (hasRepetitionLoop(t)) problems.push('It repeats itself.');
  if (words.length && dictionaryShare(t, lex) < MIN_DICTIONARY_SHARE)
    problems.push('Too many of its words are not English words.');
  if (/<\||\|>|```|\b(title|caption|alt text|poem|artist statement|notes?)\s*:/i.test(t))
    problems.push('It echoes the prompt instead of answering.');
  if (/[{}[\]\\]|\(\d|\d\)/.test(t)) problems.push('It has stray symbols.');
  if (task === 'title' && t.includes('\n')) problems.push('A title is one line.');
  if (task === 'caption' && !/#\p{L}/u.test(t)) problems.push('A caption needs hashtags.');
  if (task === 'poem') {
    const lines = t.split('\n').filter((l) => l.trim());
    if (lines.length < 3 || lines.length > 8)
      problems.push('A poem here has three to eight lines.');
  }
  const last = words.at(-1);
  if (
    (task !== 'poem' && task !== 'title' && !/[.!?…#\p{L}]$/u.test(t)) ||
    (last && DANGLING.has(last))
  )
    problems.push('It stops mid-sentence.');
  if (/\t|^\s*[A-Z]:|\n\s*[A-Z]:/.test(t))
    problems.push('It is laid out like a dialogue, not the task.');
  if ((t.match(/["“”]/g) ?? []).length % 2 === 1) problems.push('It has an unclosed quotation.');
  const about = facts.flatMap((f) => wordsOf(f)).filter((w) => w.length > 2);
  if (about.length && !words.some((w) => about.includes(w)))
    problems.push('It is not about this work.');
  return { ok: problems.length === 0, problems };
}
