/**
 * Text from a certificate, as it may be shown: bidirectional controls (which can make
 * "gpj.exe" read as "exe.jpg", or flip a title's meaning) and other invisible format characters
 * are shown as escapes such as `\u{202E}` (issue #20, defect 7).
 */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/** The text with every bidi control or invisible format character written as `\u{XXXX}`. */
export function visibleText(text: string): string {
  return text.replace(
    INVISIBLE,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}

/** Whether the text holds such characters (the UI can say so beside it). */
export function hasInvisible(text: string): boolean {
  return new RegExp(INVISIBLE.source, 'u').test(text);
}
