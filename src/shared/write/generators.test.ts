import { describe, expect, it } from 'vitest';
import type { ImageAnalysis } from './analysis';
import { finishText, generatorById, type WriteContext } from './generators';
import { buildPrompt, MAX_NOTES_CHARS } from './prompt';

/** A fixed analysis: a warm, high-contrast, wide picture in deep orange and navy, vignetted. */
const DUSK: ImageAnalysis = {
  width: 1600,
  height: 900,
  palette: [
    { name: 'deep orange', hex: '#c8480f', share: 0.55 },
    { name: 'navy', hex: '#1a2660', share: 0.35 },
    { name: 'cream', hex: '#f3e5c0', share: 0.1 },
  ],
  brightness: 0.42,
  contrast: 0.31,
  warmth: 0.3,
  saturation: 0.45,
  orientation: 'landscape',
  detail: 0.3,
  edgeFalloff: 0.2,
};
const ctx = (over: Partial<WriteContext> = {}): WriteContext => ({
  title: 'Harbour at Dusk',
  tags: ['harbour', 'evening'],
  effects: ['vignette', 'grain'],
  analysis: DUSK,
  ...over,
});

describe('prompts', () => {
  it('builds chat messages and a completion ending on the cue', () => {
    const p = buildPrompt('alt', ctx({ notes: 'Painted  on\nsite.' }));
    expect(p.messages[0]!.role).toBe('system');
    expect(p.messages[1]!.content).toMatchInlineSnapshot(`
      "Artwork: Harbour at Dusk
      Tags: harbour, evening
      Effects: vignette, grain
      Look: warm, high-contrast; colours: deep orange, navy and cream; wide format; darkened at the edges
      Notes from the artist: Painted  on
      site.

      Write alt text for this image: one factual sentence describing what it looks like, under 150 characters."
    `);
    expect(p.completion.endsWith('\nNotes: Painted on site.\nAlt text:')).toBe(true);
    expect(p.notesTruncated).toBe(false);
  });

  it('cuts a megabyte of notes and says so', () => {
    const p = buildPrompt('caption', ctx({ notes: 'x'.repeat(1_000_000) }));
    expect(p.notesTruncated).toBe(true);
    expect(p.completion.length).toBeLessThan(MAX_NOTES_CHARS + 400);
    expect(p.messages[1]!.content.length).toBeLessThan(MAX_NOTES_CHARS + 600);
  });

  it('leaves out what is unknown', () => {
    const p = buildPrompt('title', { title: '', tags: [], effects: [], analysis: null });
    expect(p.completion).toBe('Title:');
  });

  it('unknown generators are refused', () => {
    expect(() => generatorById('haiku')).toThrowErrorMatchingInlineSnapshot(
      `[Error: Unknown generator: haiku]`,
    );
  });
});

describe('finishText', () => {
  it('cuts to the generator shape and strips quotes and special tokens', () => {
    expect(finishText(generatorById('title'), ' "Ember Tide".\nmore')).toBe('Ember Tide');
    expect(finishText(generatorById('alt'), ' a warm sea.<|endoftext|>\nTitle: x')).toBe(
      'a warm sea.',
    );
    expect(finishText(generatorById('caption'), 'One.\nTwo #art\n\nNext thing')).toBe(
      'One.\nTwo #art',
    );
    expect(finishText(generatorById('poem'), 'a\nb\n\nc  ')).toBe('a\nb\n\nc');
  });
});
