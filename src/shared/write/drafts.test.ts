import { describe, expect, it } from 'vitest';
import { dictionary } from 'cmu-pronouncing-dictionary';
import type { ImageAnalysis } from './analysis';
import { ALT_MAX_CHARS, composeDrafts, type DraftTask } from './drafts';
import { effectWords } from './effect-words';
import { humanTitle, workFacts, type FactsInput } from './facts';
import { lineSyllables, makeLexicon, rhymes } from './lexicon';

const lexicon = makeLexicon(dictionary);

function analysis(over: Partial<ImageAnalysis> & Pick<ImageAnalysis, 'palette'>): ImageAnalysis {
  return {
    width: 1200,
    height: 800,
    brightness: 0.45,
    contrast: 0.15,
    warmth: 0,
    saturation: 0.3,
    orientation: 'landscape',
    detail: 0.3,
    edgeFalloff: 0,
    ...over,
  };
}

const pal = (...names: string[]) =>
  names.map((name, i) => ({ name, hex: '#000000', share: 0.5 - i * 0.1 }));

/** Three works as the issue found them: an astronaut portrait, coffee, a rocket. */
const WORKS: (FactsInput & { key: string })[] = [
  {
    key: 'w-astronaut',
    title: 'astronaut',
    tags: [],
    notes: 'An astronaut in a white suit holding her helmet, a flag behind her.',
    effects: effectWords({
      effects: [
        { id: 'lmx7n6ww06', effectId: 'vignette', enabled: true, params: { amount: 0.4 } },
        { id: 'lmx7n6ww07', effectId: 'temperature', enabled: true, params: { temperature: 0.3 } },
      ],
    }),
    analysis: analysis({
      palette: pal('black', 'deep orange', 'charcoal'),
      brightness: 0.25,
      warmth: 0.12,
      orientation: 'square',
    }),
  },
  {
    key: 'w-coffee',
    title: 'IMG_2034',
    tags: [],
    effects: [],
    analysis: analysis({ palette: pal('maroon', 'cream', 'beige'), warmth: 0.2, contrast: 0.3 }),
  },
  {
    key: 'w-rocket',
    title: 'lmx7n6ww08',
    tags: [],
    effects: [],
    analysis: analysis({
      palette: pal('navy', 'white', 'grey'),
      brightness: 0.75,
      warmth: -0.1,
      orientation: 'portrait',
    }),
  },
];

const TASKS: DraftTask[] = ['title', 'description', 'caption', 'alt', 'poem'];
/** An id, slug, hash or parameter: letters mixed with digits, long hex, key=value, underscores. */
const MACHINE = /\b(?=\w*\d)(?=\w*[a-z])\w{4,}\b|[0-9a-f]{8,}|\w=\S|_|\bundefined\b|\bnull\b|NaN/i;

function drafts(w: (typeof WORKS)[number], task: DraftTask, rhyme = false) {
  return composeDrafts(task, workFacts(w), { key: w.key, lexicon, rhyme });
}

describe('drafts', () => {
  it('never show an id, hash, slug or parameter, for any task and candidate', () => {
    for (const w of WORKS) {
      for (const task of TASKS) {
        const set = drafts(w, task);
        expect(set.candidates.length, `${w.key} ${task}`).toBeGreaterThan(0);
        for (const text of set.candidates) expect(text, `${w.key} ${task}`).not.toMatch(MACHINE);
      }
    }
  });

  it('give different works different titles, several per work, the same each time', () => {
    const firsts = WORKS.map((w) => drafts(w, 'title').candidates[0]);
    expect(new Set(firsts).size).toBe(3);
    for (const w of WORKS) {
      const set = drafts(w, 'title');
      expect(set.candidates.length).toBeGreaterThanOrEqual(3);
      expect(drafts(w, 'title')).toEqual(set);
    }
    expect(firsts[0]).toMatch(/Astronaut/);
  });

  it('write alt text that names the subject first and stays within 125 characters', () => {
    const [astronaut, coffee] = WORKS;
    const alt = drafts(astronaut!, 'alt');
    expect(alt.candidates[0]).toMatch(/^An astronaut in a white suit/);
    expect(alt.hint).toBeNull();
    for (const w of WORKS)
      for (const text of drafts(w, 'alt').candidates)
        expect(text.length).toBeLessThanOrEqual(ALT_MAX_CHARS);
    const plain = drafts(coffee!, 'alt');
    expect(plain.candidates[0]).toMatch(/maroon, cream and beige/);
    expect(plain.hint).toMatch(/Add a few words about the subject for better alt text/);
  });

  it('name the effects in plain words', () => {
    const text = drafts(WORKS[0]!, 'description').candidates[0]!;
    expect(text).toContain('a soft vignette and a little warmth');
    expect(text).not.toMatch(/lmx7/);
  });

  it('write haiku of exactly 5-7-5 syllables by the dictionary, every word listed', () => {
    for (const w of WORKS) {
      const set = drafts(w, 'poem');
      expect(set.candidates.length).toBeGreaterThan(0);
      for (const poem of set.candidates) {
        const lines = poem.split('\n');
        expect(
          lines.map((l) => lineSyllables(l, lexicon).count),
          poem,
        ).toEqual([5, 7, 5]);
        for (const l of lines) expect(lineSyllables(l, lexicon).unknown).toEqual([]);
      }
    }
  });

  it('rhyme quatrains by the dictionary when asked', () => {
    const poem = drafts(WORKS[1]!, 'poem', true).candidates[0]!;
    const ends = poem.split('\n').map((l) =>
      l
        .replace(/[^a-z]+$/i, '')
        .split(' ')
        .at(-1)!,
    );
    expect(ends).toHaveLength(4);
    expect(rhymes(ends[0]!, ends[1]!, lexicon)).toBe(true);
    expect(rhymes(ends[2]!, ends[3]!, lexicon)).toBe(true);
  });
});

describe('humanTitle', () => {
  it('keeps a title a person gave and drops file names, slugs and hashes', () => {
    expect(humanTitle('Harbour at Dusk')).toBe('Harbour at Dusk');
    expect(humanTitle('coffee-cup-03')).toBe('Coffee cup');
    expect(humanTitle('astronaut')).toBe('Astronaut');
    for (const t of [
      'IMG_2034',
      'DSC 0042',
      'lmx7n6ww06',
      'a3f9c0d2e1b4',
      'Untitled',
      '2024-05-01',
    ])
      expect(humanTitle(t), t).toBeNull();
  });
});
