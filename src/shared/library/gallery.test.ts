import { describe, expect, it } from 'vitest';
import { matches, sortWorks } from './gallery';

const w = (title: string, createdAt: number, tags: string[] = []) => ({ title, createdAt, tags });

describe('gallery search and sort', () => {
  const works = [w('Sea 10', 3, ['Ink']), w('sea 9', 1), w('Été', 2, ['summer', 'ink wash'])];

  it('finds by title and tag, every term, any case', () => {
    expect(works.filter((x) => matches(x, 'INK')).map((x) => x.title)).toEqual(['Sea 10', 'Été']);
    expect(works.filter((x) => matches(x, 'ink sum')).map((x) => x.title)).toEqual(['Été']);
    expect(works.filter((x) => matches(x, '  ')).length).toBe(3);
    expect(works.filter((x) => matches(x, 'sea 9')).map((x) => x.title)).toEqual(['sea 9']);
  });

  it('sorts by date either way and by title naturally, without changing the input', () => {
    expect(sortWorks(works, 'newest').map((x) => x.createdAt)).toEqual([3, 2, 1]);
    expect(sortWorks(works, 'oldest').map((x) => x.createdAt)).toEqual([1, 2, 3]);
    expect(sortWorks(works, 'title').map((x) => x.title)).toEqual(['Été', 'sea 9', 'Sea 10']);
    expect(works[0]!.title).toBe('Sea 10');
  });
});
