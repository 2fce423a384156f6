/**
 * Words, syllables and rhymes from a pronouncing dictionary (the CMU Pronouncing Dictionary: word →
 * ARPAbet phones, vowels carry a stress digit). Pure: the dictionary is handed in, so the text
 * worker loads it lazily (a 4.7 MB module, precached for offline) and Node tests import it directly.
 *
 *   const lex = makeLexicon(dictionary);
 *   lineSyllables('the harbour holds its breath', lex) // → { count: 6, unknown: [] }
 */

export interface Lexicon {
  /** ARPAbet phones of a lower-case word ("HH AA1 R B ER0"), or undefined when not listed. */
  phones(word: string): string | undefined;
}

export function makeLexicon(dictionary: Readonly<Record<string, string>>): Lexicon {
  return {
    phones: (word) => {
      const w = word.toLowerCase();
      return Object.hasOwn(dictionary, w) ? dictionary[w] : undefined;
    },
  };
}

/** The words of a text: letters and inner apostrophes; hyphenated words are split. */
export function wordsOf(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/[’‘]/g, "'")
      .match(/[a-z]+(?:'[a-z]+)*/g) ?? []
  ).filter(Boolean);
}

/** Syllables by the dictionary (vowel phones), or a spelling estimate for an unlisted word. */
export function wordSyllables(word: string, lex: Lexicon): { count: number; known: boolean } {
  const phones = lex.phones(word);
  if (phones) return { count: (phones.match(/\d/g) ?? []).length, known: true };
  return { count: estimateSyllables(word), known: false };
}

/** A spelling estimate: vowel groups, less a silent final e; at least one. */
export function estimateSyllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!w) return 0;
  const groups = w.match(/[aeiouy]+/g)?.length ?? 0;
  const silentE = /[^aeiouy]e$/.test(w) && !/[^aeiouy]le$/.test(w) && groups > 1 ? 1 : 0;
  return Math.max(1, groups - silentE);
}

/** Syllables in a line, and the words the dictionary does not list (counted by spelling). */
export function lineSyllables(line: string, lex: Lexicon): { count: number; unknown: string[] } {
  let count = 0;
  const unknown: string[] = [];
  for (const word of wordsOf(line)) {
    const s = wordSyllables(word, lex);
    count += s.count;
    if (!s.known) unknown.push(word);
  }
  return { count, unknown };
}

/** The rhyming part of a word: its phones from the last stressed vowel on (stress ignored). */
export function rhymeKey(word: string, lex: Lexicon): string | undefined {
  const phones = lex.phones(word)?.split(' ');
  if (!phones) return undefined;
  let at = -1;
  for (let i = phones.length - 1; i >= 0; i--) {
    if (/[12]$/.test(phones[i]!)) {
      at = i;
      break;
    }
  }
  if (at < 0) at = phones.findLastIndex((p) => /\d$/.test(p));
  if (at < 0) return undefined;
  return phones
    .slice(at)
    .map((p) => p.replace(/\d/g, ''))
    .join(' ');
}

/** Whether two different words rhyme by the dictionary. */
export function rhymes(a: string, b: string, lex: Lexicon): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return false;
  const ka = rhymeKey(a, lex);
  return !!ka && ka === rhymeKey(b, lex);
}

/** Share (0–1) of a text's words that the dictionary lists; 0 for a text without words. */
export function dictionaryShare(text: string, lex: Lexicon): number {
  const words = wordsOf(text);
  if (!words.length) return 0;
  return words.filter((w) => lex.phones(w) !== undefined).length / words.length;
}
