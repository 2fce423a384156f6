/**
 * The effects of a work's stack in the words an artist would use ("a soft vignette", "warmed",
 * "film grain"), never a layer id, effect id or parameter value. Effects this module does not know
 * (a newer version's, a model id) are left out rather than named by their id.
 */

/** One layer as stored in a version's stack (only the fields read here). */
export interface StackLayer {
  effectId?: unknown;
  enabled?: unknown;
  params?: unknown;
}

function num(params: unknown, key: string, fallback = 0): number {
  const v = params && typeof params === 'object' ? (params as Record<string, unknown>)[key] : 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The phrase for one enabled layer, or null when it does nothing visible or is unknown. */
export function effectPhrase(layer: StackLayer): string | null {
  if (layer.enabled === false || typeof layer.effectId !== 'string') return null;
  const p = layer.params;
  switch (layer.effectId) {
    case 'exposure': {
      const ev = num(p, 'ev');
      return ev > 0.05 ? 'more light' : ev < -0.05 ? 'less light' : null;
    }
    case 'contrast': {
      const a = num(p, 'amount');
      return a > 0.02 ? 'more contrast' : a < -0.02 ? 'gentler contrast' : null;
    }
    case 'saturation': {
      const a = num(p, 'amount');
      if (a <= -0.95) return 'black-and-white tones';
      return a > 0.02 ? 'richer colour' : a < -0.02 ? 'quieter colour' : null;
    }
    case 'temperature': {
      const t = num(p, 'temperature');
      return t > 0.02 ? 'a little warmth' : t < -0.02 ? 'a cooler tone' : null;
    }
    case 'curve':
      return 'a tone curve';
    case 'matrix':
      return 'a colour grade';
    case 'grain':
      return num(p, 'amount') > 0 ? 'film grain' : null;
    case 'posterize':
      return num(p, 'levels', 256) < 256 ? 'posterized tones' : null;
    case 'blur':
      return num(p, 'sigma') > 0 ? 'a soft blur' : null;
    case 'sharpen':
      return num(p, 'amount') > 0 ? 'sharpening' : null;
    case 'bloom':
      return num(p, 'amount') > 0 ? 'a soft glow' : null;
    case 'ink':
      return num(p, 'strength') > 0 ? 'inked edges' : null;
    case 'pixelate':
      return num(p, 'size', 1) > 1 ? 'pixelation' : null;
    case 'vignette': {
      const a = num(p, 'amount');
      if (a > 0.6) return 'a strong vignette';
      if (a > 0.02) return 'a soft vignette';
      return a < -0.02 ? 'lightened edges' : null;
    }
    case 'neural:autocolor':
      return 'balanced colour';
    case 'neural:denoise':
      return 'noise reduction';
    case 'neural:upscale2x':
      return 'a larger print size';
    default:
      return null;
  }
}

/** The phrases of a stack (`{ effects: [...] }` or a bare array), in order, each at most once. */
export function effectWords(stack: unknown): string[] {
  const list: unknown[] = Array.isArray(stack)
    ? stack
    : stack && typeof stack === 'object' && Array.isArray((stack as { effects?: unknown }).effects)
      ? (stack as { effects: unknown[] }).effects
      : [];
  const out: string[] = [];
  for (const layer of list) {
    if (!layer || typeof layer !== 'object') continue;
    const phrase = effectPhrase(layer as StackLayer);
    if (phrase && !out.includes(phrase)) out.push(phrase);
  }
  return out;
}
