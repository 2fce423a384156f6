/** Search and sort for the gallery: pure, so it is tested apart from the UI. */

export type SortKey = 'newest' | 'oldest' | 'title' | 'rating';

export interface Listed {
  title: string;
  tags: readonly string[];
  createdAt: number;
  rating?: number;
  flag?: 'pick' | 'reject';
  albumIds?: readonly string[];
}

/** What the gallery narrows to: at least so many stars, a flag, an album ('' or 0: any). */
export interface GalleryFilter {
  minRating: number;
  flag: '' | 'pick' | 'reject' | 'unflagged';
  albumId: string;
}

export const NO_FILTER: GalleryFilter = { minRating: 0, flag: '', albumId: '' };

/** Whether a work passes every part of the filter. */
export function passes(work: Listed, filter: GalleryFilter): boolean {
  if ((work.rating ?? 0) < filter.minRating) return false;
  if (
    filter.flag === 'unflagged' ? work.flag !== undefined : filter.flag && work.flag !== filter.flag
  )
    return false;
  return !filter.albumId || (work.albumIds ?? []).includes(filter.albumId);
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
  else if (sort === 'rating')
    out.sort((a, b) => (b.rating ?? 0) - (a.rating ?? 0) || b.createdAt - a.createdAt);
  else {
    const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
    out.sort((a, b) => collator.compare(a.title, b.title) || b.createdAt - a.createdAt);
  }
  return out;
}
