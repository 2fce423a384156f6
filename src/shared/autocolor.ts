/**
 * Auto colour (the design paper's effect-rendering network, models/autocolor): its input contract
 * and how its answer becomes an ordinary, editable effect.
 *
 * Input: the whole image area-averaged to 8×8 in linear light, float32 NCHW [1,3,8,8] in [0,1].
 * Output: three gains that multiply each linear channel to remove a colour cast. The stack's
 * `matrix` effect works on sRGB values, so a linear gain g becomes the sRGB scale g^(1/2.2)
 * (sRGB ≈ linear^(1/2.2)); the person can then tune it like any other matrix.
 */

export const AUTOCOLOR_KIND = 'image-to-gains';
export const AUTOCOLOR_SIZE = 8;

const LINEAR = new Float32Array(256).map((_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/**
 * Area-averages RGBA pixels to 8×8 in linear light (each cell the mean of its pixels).
 * @throws RangeError when the buffer does not hold width × height pixels.
 */
export function autocolorInput(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Float32Array {
  if (width < 1 || height < 1 || data.length < width * height * 4) {
    throw new RangeError(`autocolorInput: ${width}×${height} needs ${width * height * 4} bytes`);
  }
  const n = AUTOCOLOR_SIZE;
  const sums = new Float64Array(3 * n * n);
  const counts = new Float64Array(n * n);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(n - 1, Math.floor((y * n) / height));
    for (let x = 0; x < width; x++) {
      const cell = cy * n + Math.min(n - 1, Math.floor((x * n) / width));
      const i = (y * width + x) * 4;
      sums[cell] += LINEAR[data[i]!]!;
      sums[n * n + cell] += LINEAR[data[i + 1]!]!;
      sums[2 * n * n + cell] += LINEAR[data[i + 2]!]!;
      counts[cell] += 1;
    }
  }
  const out = new Float32Array(3 * n * n);
  for (let c = 0; c < 3; c++) {
    for (let cell = 0; cell < n * n; cell++) {
      out[c * n * n + cell] = sums[c * n * n + cell]! / Math.max(1, counts[cell]!);
    }
  }
  return out;
}

/** Gains (linear light) → the stack's 3×4 colour matrix (rows r, g, b, each `[r g b offset]`). */
export function gainsToMatrix(gains: readonly number[]): number[] {
  const scale = gains.slice(0, 3).map((g) => (Number.isFinite(g) && g > 0 ? g : 1) ** (1 / 2.2));
  return [scale[0]!, 0, 0, 0, 0, scale[1]!, 0, 0, 0, 0, scale[2]!, 0];
}
