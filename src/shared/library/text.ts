/**
 * Bounds and cleaning for the text a person types or a file brings (titles, tags, file names).
 * Text is always rendered as text; this keeps it short and free of invisible tricks: control
 * characters, bidi overrides (U+202E makes "gpj.exe" look like "exe.jpg") and lone surrogates.
 */

export const MAX_TITLE_LENGTH = 200;
export const MAX_TAG_LENGTH = 40;
export const MAX_TAGS = 30;
export const MAX_TEXT_LENGTH = 20_000;

// C0/C1 controls (keeping \n and \t for long texts), bidi embeddings/overrides/isolates, zero-width.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** NFC, well-formed, without controls or invisible formatting characters. */
export function cleanText(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .normalize('NFC')
    .replace(CONTROLS, '')
    .replace(INVISIBLE, '');
}

/** One line: cleaned, whitespace collapsed, trimmed. */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** A work title from a file name: no extension, no underscores, bounded. */
export function titleFromFileName(name: string): string {
  const base = cleanLine(name.replace(/\.[a-z0-9]{1,5}$/i, '').replace(/[_]+/g, ' '));
  return truncate(base, MAX_TITLE_LENGTH).trim() || 'Untitled';
}

/** A file name as quoted in messages: cleaned and at most 80 characters. */
export function displayName(name: string): string {
  const clean = cleanLine(name) || 'unnamed file';
  return clean.length > 80 ? `${truncate(clean, 77)}…` : clean;
}

/** A safe download name from a title: no path separators or reserved characters. */
export function exportFileName(title: string, extension: string): string {
  const base = cleanLine(title)
    .replace(/[\\/:*?"<>|]+/g, '-')
    .replace(/^[.\s-]+/, '')
    .slice(0, 100)
    .trim();
  return `${base || 'atelier-work'}.${extension}`;
}

export type TextCheck = { ok: true; value: string } | { ok: false; reason: string };

/** Validates a title the person typed. */
export function checkTitle(raw: string): TextCheck {
  const value = cleanLine(raw);
  if (!value) return { ok: false, reason: 'A title cannot be empty.' };
  if (value.length > MAX_TITLE_LENGTH) {
    return { ok: false, reason: `A title has at most ${MAX_TITLE_LENGTH} characters.` };
  }
  return { ok: true, value };
}

/** Validates and de-duplicates tags (case-insensitive), keeping the first spelling. */
export function checkTags(raw: readonly string[]): { ok: true; value: string[] } | TextCheckFail {
  const seen = new Set<string>();
  const value: string[] = [];
  for (const tag of raw) {
    const clean = cleanLine(tag).replace(/,/g, '');
    if (!clean) continue;
    if (clean.length > MAX_TAG_LENGTH) {
      return { ok: false, reason: `A tag has at most ${MAX_TAG_LENGTH} characters.` };
    }
    const key = clean.toLocaleLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    value.push(clean);
  }
  if (value.length > MAX_TAGS) return { ok: false, reason: `A work has at most ${MAX_TAGS} tags.` };
  return { ok: true, value };
}

type TextCheckFail = { ok: false; reason: string };

/** Splits "a, b ,c" into tags. */
export function parseTags(input: string): string[] {
  return input.split(',').map((t) => t.trim());
}
