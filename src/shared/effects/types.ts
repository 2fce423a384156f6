/**
 * The plain-data types of the render engine: parameter definitions, effect definitions and the
 * effect *stack* the Render room edits and stores.
 *
 * A stack is plain JSON (safe for IndexedDB, postMessage and presets):
 *
 * ```ts
 * const stack: EffectStack = {
 *   effects: [
 *     { id: 'a1', effectId: 'exposure', enabled: true, params: { ev: 0.5 } },
 *     { id: 'a2', effectId: 'curve', enabled: true, params: { points: [0, 0, 0.5, 0.6, 1, 1] } },
 *   ],
 * };
 * ```
 *
 * `id` is the layer's own id (unique in the stack; the UI keys lists on it), `effectId` names an
 * effect definition (see `EFFECTS` in ./registry, or `neural:<modelId>` for a model from
 * models/manifest.json), `params` holds numbers (or number arrays for curves and matrices); a
 * missing param takes its default. Effects run top to bottom; disabled ones are skipped.
 */

/** How a layer's result is laid onto its input (see ./blend). */
export type BlendMode =
  'normal' | 'multiply' | 'screen' | 'overlay' | 'soft-light' | 'colour' | 'luminosity';

/**
 * Where a layer applies (a local adjustment), in fractions of the work's width and height:
 * a linear gradient from full strength at (x0, y0) to none at (x1, y1), or a radial one, full
 * inside the ellipse at (cx, cy) with radii (rx, ry) and fading over its outer `feather` part,
 * or brush strokes painted on the image; `invert` swaps inside and outside.
 */
export type LayerMask =
  | { kind: 'linear'; x0: number; y0: number; x1: number; y1: number; invert?: boolean }
  | {
      kind: 'radial';
      cx: number;
      cy: number;
      rx: number;
      ry: number;
      feather: number;
      invert?: boolean;
    }
  | BrushMask;

/** Brush strokes painted on the image (see BrushStroke). */
export interface BrushMask {
  kind: 'brush';
  aspect: number;
  strokes: BrushStroke[];
  invert?: boolean;
}

/**
 * One stroke of a brush mask (see ./brush): its centre line as [x0, y0, x1, y1, …] in fractions of
 * the framed image, its radius `size` as a fraction of the image's height, `hardness` the share of
 * the radius at full strength (0 soft … 1 hard edge), and whether it paints or erases the mask.
 * A brush mask's `aspect` is the framed image's width / height when it was drawn (dabs are round).
 */
export interface BrushStroke {
  points: number[];
  size: number;
  hardness: number;
  erase?: boolean;
}

/** One layer of a stack. */
export interface StackEffect {
  id: string;
  effectId: string;
  enabled: boolean;
  params: Record<string, number | number[]>;
  /** How much of the layer shows, 0–1 (missing: 1). Classic effects only. */
  opacity?: number;
  /** How its result is laid onto its input (missing: normal). Classic effects only. */
  blend?: BlendMode;
  /** Where it applies (missing: everywhere). Classic effects only. */
  mask?: LayerMask;
}

/** The aspect ratios a crop can keep (width:height), or none (`free`), or the work's own. */
export type GeometryRatio =
  'free' | 'original' | '1:1' | '4:5' | '5:4' | '2:3' | '3:2' | '9:16' | '16:9';

/** A crop as fractions of the straightened frame (see src/shared/render-room/geometry.ts). */
export interface GeometryCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * How the work is framed before any effect: `rotate90` clockwise quarter turns, then mirrors
 * (`flipH` left–right, `flipV` top–bottom), then `straighten` degrees clockwise (±45), then the
 * crop (the ratio's largest centred rectangle without `crop`), never with an empty corner.
 */
export interface Geometry {
  rotate90: 0 | 1 | 2 | 3;
  flipH: boolean;
  flipV: boolean;
  straighten: number;
  crop?: GeometryCrop;
  ratio: GeometryRatio;
}

/** What the Render room edits and stores. */
export interface EffectStack {
  effects: StackEffect[];
  /**
   * The framing, applied once to the source before every effect (missing: none, so stacks
   * stored before it render as they did). Effects and masks see the framed image.
   */
  geometry?: Geometry;
}

export interface NumberParamDef {
  type: 'number';
  key: string;
  label: string;
  min: number;
  max: number;
  default: number;
  step: number;
  /** A length in pixels: scaled with the image when a preview renders at a smaller size. */
  spatial?: boolean;
  /** Named values 0, 1, 2, …: the control offers these words instead of a slider. */
  choices?: string[];
  /** Params with a group are shown one group at a time (the colour mixer: Hue, Saturation, …). */
  group?: string;
}

export interface ArrayParamDef {
  type: 'points' | 'matrix';
  key: string;
  label: string;
  /** Flat numbers: curve points `[x0, y0, x1, y1, …]` in [0, 1]; matrix rows `[r0 r1 r2 bias, …]`. */
  default: number[];
  min: number;
  max: number;
  /** Allowed lengths (points: an even count from 4 to 32; matrix: 12). */
  minLength: number;
  maxLength: number;
}

export type ParamDef = NumberParamDef | ArrayParamDef;

/** Params after validation and defaults: every key present. */
export type ResolvedParams = Record<string, number | number[]>;

/**
 * How an effect reads its neighbourhood.
 * - `point`: each output pixel depends on the same input pixel (and its coordinates) only;
 *   consecutive point effects fuse into one GPU dispatch.
 * - `area`: reads neighbours (blur, sharpen, bloom, ink, pixelate): separate GPU passes.
 * - `neural`: an ONNX image-to-image network.
 */
export type EffectKind = 'point' | 'area' | 'neural';

/**
 * Which values an effect's math works on. `linear`: the sRGB input is decoded to linear light,
 * the effect applied, the result clamped to [0, 1] and encoded back; `srgb`: the effect works on
 * the encoded values directly. Both implementations (WGSL, ONNX) follow the same choice.
 */
export type ColourSpace = 'linear' | 'srgb';

export interface EffectDefBase {
  id: string;
  name: string;
  kind: EffectKind;
  space: ColourSpace;
  params: ParamDef[];
}
