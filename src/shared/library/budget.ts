/** How big an image the studio takes, and how thumbnails are sized. */

/** The pixel budget: images above it are refused before any decoding. */
export const MAX_PIXELS = 100_000_000;
/** Browsers cannot make a canvas side longer than this (Chromium: 32,767). */
export const MAX_SIDE = 32_767;
/** Thumbnails fit in a square of this side. */
export const THUMB_SIDE = 512;

/** Scales (w, h) down to fit within `maxSide` on both sides (never up). Sides are ≥ 1. */
export function fitWithin(width: number, height: number, maxSide: number) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** "12000×9000 = 108 MP" */
export function describeSize(width: number, height: number): string {
  return `${width}×${height}`;
}
