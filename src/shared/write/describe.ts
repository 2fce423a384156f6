/**
 * Plain words for an image analysis: "warm", "high-contrast", "deep orange and navy", "darkened at
 * the edges". Both the grounded drafts and the model prompts use these, so the two agree.
 */
import type { ImageAnalysis } from './analysis';

export interface Look {
  /** Adjectives, most telling first: tone, contrast, temperature, saturation. */
  adjectives: string[];
  /** "deep orange and navy" / "teal, cream and black". Empty when there is no palette. */
  colours: string;
  /** "wide" | "tall" | "square". */
  shape: string;
  /** Extra phrases: "darkened at the edges", "finely detailed". */
  notes: string[];
}

/** Joins words as "a", "a and b", "a, b and c". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export function describeLook(a: ImageAnalysis): Look {
  const adjectives: string[] = [];
  if (a.warmth > 0.08) adjectives.push('warm');
  else if (a.warmth < -0.08) adjectives.push('cool');
  if (a.brightness < 0.3) adjectives.push('dark');
  else if (a.brightness > 0.72) adjectives.push('bright');
  if (a.contrast > 0.25) adjectives.push('high-contrast');
  else if (a.contrast < 0.08) adjectives.push('soft');
  if (a.saturation < 0.12) adjectives.push('muted');
  else if (a.saturation > 0.55) adjectives.push('vivid');

  const notes: string[] = [];
  if (a.edgeFalloff > 0.08) notes.push('darkened at the edges');
  else if (a.edgeFalloff < -0.08) notes.push('lighter at the edges');
  if (a.detail > 0.6) notes.push('finely detailed');
  else if (a.detail < 0.05) notes.push('smooth and uncluttered');

  const names = a.palette.slice(0, 3).map((p) => p.name);
  const shape =
    a.orientation === 'landscape' ? 'wide' : a.orientation === 'portrait' ? 'tall' : 'square';
  return { adjectives, colours: listWords(names), shape, notes };
}

/** One line of facts for a prompt: "warm, high-contrast; colours: deep orange, navy; wide". */
export function lookFacts(a: ImageAnalysis): string {
  const look = describeLook(a);
  const parts = [
    look.adjectives.length ? look.adjectives.join(', ') : 'balanced tones',
    look.colours ? `colours: ${look.colours}` : '',
    `${look.shape} format`,
    ...look.notes,
  ].filter(Boolean);
  return parts.join('; ');
}
