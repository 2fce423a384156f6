/** Search and sort for the gallery: pure, so it is tested apart from the UI. */

export type SortKey = 'newest' | 'oldest' | 'title';

export interface Listed {
  title: string;
  tags: readonly string[];
  createdAt: number;
}

/** Every whitespace-separated term must appear in the title or in a tag (case-insensitive). */
export function matches(work: Listed, query: string): boolean {
  const terms = query.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) return true;
  const title = work.title.toLocaleLowerCase();
  const tags = work.tags.map((t) => t.toLocaleLowerCase());
  return terms.every((term) => title.includes(term) || tags.some((t) => t.includes(term)));
}

/** A sorted copy: newest or oldest first, or by title (accents and case ignored, numbers natural). */
export function sortWorks<T extends Listed>(works: readonly T[], sort: SortKey): T[] {
  const out = [...works];
  if (sort === 'newest') out.sort((a, b) => b.createdAt - a.createdAt);
  else if (sort === 'oldest') out.sort((a, b) => a.createdAt - b.createdAt);
  else {
    const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
    out.sort((a, b) => collator.compare(a.title, b.title) || b.createdAt - a.createdAt);
  }
  return out;
}
