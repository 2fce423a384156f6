import { describe, expect, it } from 'vitest';
import { dictionary } from 'cmu-pronouncing-dictionary';
import { makeLexicon } from './lexicon';
import { checkText, hasRepetitionLoop } from './quality';

const lex = makeLexicon(dictionary);
const facts = ['harbour', 'boats', 'deep orange', 'navy'];

describe('checkText', () => {
  it('passes texts a person could keep', () => {
    expect(checkText('title', 'Harbour in Navy', lex, facts)).toEqual({ ok: true, problems: [] });
    expect(
      checkText(
        'caption',
        'Boats coming home in deep orange light. #harbour #boats #art',
        lex,
        facts,
      ).ok,
    ).toBe(true);
    expect(
      checkText('alt', 'Fishing boats in a harbour at sunset, in deep orange and navy.', lex, facts)
        .ok,
    ).toBe(true);
  });

  it('refuses what the bundled model wrote for the issue, each for a plain reason', () => {
    expect(checkText('title', 'The Min and fired to the', lex, facts).problems).toEqual([
      'It stops mid-sentence.',
      'It is not about this work.',
    ]);
    expect(checkText('caption', '(1.', lex, facts).ok).toBe(false);
    expect(
      checkText('alt', 'A: dation on my own lying? th for, "Why may have to "My stat.', lex, facts)
        .problems,
    ).toContain('It is not about this work.');
  });

  it('finds repetition loops', () => {
    expect(hasRepetitionLoop('the sea the sea the sea is blue')).toBe(true);
    expect(hasRepetitionLoop('boats coming home at sunset')).toBe(false);
  });
});
