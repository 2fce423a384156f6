/**
 * Human colour names for palette entries: the nearest of a small named set, measured in CIELAB
 * (so "navy" and "teal" are told apart the way an eye does, not by raw RGB distance).
 * The set is deliberately short and plain: names an artist would write in alt text.
 */

export interface NamedColour {
  name: string;
  hex: string;
}

/** Plain colour words, dark to light within each family. */
export const COLOUR_NAMES: readonly NamedColour[] = [
  { name: 'black', hex: '#101010' },
  { name: 'charcoal', hex: '#36454f' },
  { name: 'grey', hex: '#808080' },
  { name: 'silver', hex: '#c0c0c0' },
  { name: 'white', hex: '#f8f8f4' },
  { name: 'cream', hex: '#f3e5c0' },
  { name: 'beige', hex: '#d8c8a8' },
  { name: 'maroon', hex: '#6d1a1f' },
  { name: 'crimson', hex: '#b0182e' },
  { name: 'red', hex: '#e02020' },
  { name: 'coral', hex: '#f47a60' },
  { name: 'pink', hex: '#f4a6c0' },
  { name: 'rose', hex: '#d45d85' },
  { name: 'magenta', hex: '#d020b0' },
  { name: 'plum', hex: '#6e2a62' },
  { name: 'purple', hex: '#7a2fb0' },
  { name: 'violet', hex: '#9a7ae0' },
  { name: 'lavender', hex: '#c8b8ec' },
  { name: 'navy', hex: '#1a2660' },
  { name: 'blue', hex: '#2050e0' },
  { name: 'sky blue', hex: '#80c0f0' },
  { name: 'teal', hex: '#108080' },
  { name: 'turquoise', hex: '#30d0c8' },
  { name: 'forest green', hex: '#1f5a2a' },
  { name: 'green', hex: '#30a040' },
  { name: 'lime', hex: '#a0e040' },
  { name: 'olive', hex: '#707a28' },
  { name: 'mint', hex: '#b0ecc8' },
  { name: 'yellow', hex: '#f4e030' },
  { name: 'gold', hex: '#d4a820' },
  { name: 'ochre', hex: '#c08030' },
  { name: 'orange', hex: '#f08020' },
  { name: 'deep orange', hex: '#c84a10' },
  { name: 'brown', hex: '#6e4424' },
  { name: 'tan', hex: '#c09a6c' },
];

export type Rgb = readonly [number, number, number];
export type Lab = readonly [number, number, number];

/** @throws Error when `hex` is not #rrggbb. */
export function hexToRgb(hex: string): Rgb {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`Not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function rgbToHex([r, g, b]: Rgb): string {
  const c = (v: number) =>
    Math.max(0, Math.min(255, Math.round(v)))
      .toString(16)
      .padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

function linear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** sRGB (0–255) to CIELAB (D65). */
export function rgbToLab([r, g, b]: Rgb): Lab {
  const lr = linear(r);
  const lg = linear(g);
  const lb = linear(b);
  const x = (0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047;
  const y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
  const z = (0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** Euclidean distance in Lab (CIE76 ΔE). */
export function deltaE(a: Lab, b: Lab): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

const NAMED_LAB = COLOUR_NAMES.map((c) => ({ name: c.name, lab: rgbToLab(hexToRgb(c.hex)) }));

/** The plain name of the nearest named colour. */
export function nameColour(colour: string | Rgb): string {
  const lab = rgbToLab(typeof colour === 'string' ? hexToRgb(colour) : colour);
  let best = NAMED_LAB[0]!;
  let bestD = Infinity;
  for (const named of NAMED_LAB) {
    const d = deltaE(lab, named.lab);
    if (d < bestD) {
      bestD = d;
      best = named;
    }
  }
  return best.name;
}
