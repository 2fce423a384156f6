import { describe, expect, it } from 'vitest';
import { analyzeImage, type RgbaImage } from './analysis';
import { hexToRgb, nameColour } from './colour-names';

/** An image filled by `paint(x, y) → [r, g, b]`. */
function synth(
  width: number,
  height: number,
  paint: (x: number, y: number) => readonly number[],
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      data.set([r!, g!, b!, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

const solid = (hex: string) => {
  const rgb = hexToRgb(hex);
  return () => rgb;
};

describe('nameColour', () => {
  it.each([
    ['#ff0000', 'red'],
    ['#1b2a5c', 'navy'],
    ['#ff8000', 'orange'],
    ['#c0440c', 'deep orange'],
    ['#000000', 'black'],
    ['#ffffff', 'white'],
    ['#008080', 'teal'],
    ['#7f7f7f', 'grey'],
    ['#2e7d32', 'green'],
    ['#f2e6c2', 'cream'],
  ])('%s is %s', (hex, name) => {
    expect(nameColour(hex)).toBe(name);
  });

  it('rejects what is not a colour', () => {
    expect(() => nameColour('orange')).toThrowErrorMatchingInlineSnapshot(
      `[Error: Not a #rrggbb colour: orange]`,
    );
  });
});

describe('analyzeImage', () => {
  it('finds a two-colour palette with its shares and names', () => {
    // Left 70% deep orange, right 30% navy.
    const img = synth(100, 50, (x) => (x < 70 ? hexToRgb('#c8480f') : hexToRgb('#1a2660')));
    const a = analyzeImage(img);
    expect(a.palette.map((p) => p.name)).toEqual(['deep orange', 'navy']);
    expect(a.palette[0]!.share).toBeCloseTo(0.7, 2);
    expect(a.palette[1]!.share).toBeCloseTo(0.3, 2);
    expect(a.palette[0]!.hex).toBe('#c8480f');
    expect(a.orientation).toBe('landscape');
    expect(a.warmth).toBeGreaterThan(0.2);
  });

  it('measures brightness, contrast, saturation and warmth of plain fields', () => {
    const white = analyzeImage(synth(20, 20, solid('#ffffff')));
    expect(white.brightness).toBeCloseTo(1, 3);
    expect(white.contrast).toBe(0);
    expect(white.saturation).toBe(0);
    expect(white.detail).toBe(0);
    const black = analyzeImage(synth(20, 20, solid('#000000')));
    expect(black.brightness).toBe(0);
    const blue = analyzeImage(synth(10, 30, solid('#2050e0')));
    expect(blue.warmth).toBeLessThan(-0.5);
    expect(blue.saturation).toBeGreaterThan(0.8);
    expect(blue.orientation).toBe('portrait');
    expect(analyzeImage(synth(30, 29, solid('#808080'))).orientation).toBe('square');
  });

  it('tells a checkerboard (high contrast, detailed) from a smooth gradient', () => {
    const checker = analyzeImage(
      synth(64, 64, (x, y) => ((x + y) % 2 ? [0, 0, 0] : [255, 255, 255])),
    );
    expect(checker.contrast).toBeCloseTo(0.5, 2);
    expect(checker.detail).toBe(1);
    expect(checker.palette.map((p) => p.name).sort()).toEqual(['black', 'white']);
    const gradient = analyzeImage(synth(64, 64, (x) => [x * 4, x * 4, x * 4]));
    expect(gradient.detail).toBeLessThan(0.2);
    expect(gradient.contrast).toBeGreaterThan(0.2);
  });

  it('sees darkened edges (a vignette)', () => {
    const v = analyzeImage(
      synth(80, 80, (x, y) => {
        const d = Math.hypot(x - 40, y - 40) / 56;
        const l = Math.round(230 * (1 - d));
        return [l, l, l];
      }),
    );
    expect(v.edgeFalloff).toBeGreaterThan(0.3);
    const flat = analyzeImage(synth(80, 80, solid('#808080')));
    expect(flat.edgeFalloff).toBe(0);
  });

  it('ignores transparent pixels and samples large images', () => {
    const half = synth(40, 40, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]));
    for (let i = 0; i < half.data.length; i += 4) if ((i / 4) % 40 >= 20) half.data[i + 3] = 0;
    expect(analyzeImage(half).palette).toEqual([{ name: 'red', hex: '#ff0000', share: 1 }]);
    const big = analyzeImage(synth(3000, 1000, (x) => (x < 1800 ? [255, 0, 0] : [0, 128, 128])));
    expect(big.palette.map((p) => p.name)).toEqual(['red', 'teal']);
    expect(big.palette[0]!.share).toBeCloseTo(0.6, 1);
    expect(big.width).toBe(3000);
  });

  it('rejects empty, short and fully transparent images', () => {
    expect(() => analyzeImage({ data: new Uint8ClampedArray(0), width: 0, height: 0 })).toThrow(
      'The image is empty.',
    );
    expect(() => analyzeImage({ data: new Uint8ClampedArray(4), width: 2, height: 2 })).toThrow(
      'The pixel data is shorter than the image.',
    );
    expect(() => analyzeImage({ data: new Uint8ClampedArray(16), width: 2, height: 2 })).toThrow(
      'The image is fully transparent.',
    );
  });
});
