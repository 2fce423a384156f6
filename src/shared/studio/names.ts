/**
 * What a person reads for the studio's internal names: effects ("neural:denoise" → "Denoise",
 * "matrix" → "Colour matrix"), compute backends ("wasm" → "CPU") and text models. Shared by
 * Insights, the Library's version lines and anything else that speaks to the artist.
 */
import { EFFECTS, NEURAL_PREFIX } from '../effects/registry';

/** The neural effects' names (as in models/manifest.json, with the typographic ×). */
const NEURAL_NAMES: Readonly<Record<string, string>> = {
  autocolor: 'Auto colour',
  denoise: 'Denoise',
  upscale2x: 'Upscale 2×',
};

/** "some-model_id" → "Some model id": the last resort for a name nobody gave. */
function humanize(id: string): string {
  const words = id.replace(/[-_.:]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : id;
}

/** An effect's name as the Render room's catalogue shows it. */
export function effectName(effectId: string): string {
  const classic = EFFECTS.get(effectId)?.name;
  if (classic) return classic;
  const model = effectId.startsWith(NEURAL_PREFIX)
    ? effectId.slice(NEURAL_PREFIX.length)
    : effectId;
  return NEURAL_NAMES[model] ?? humanize(model);
}

/** Where a render ran, in plain words. */
export function backendName(backend: string): string {
  if (backend === 'webgpu') return 'GPU';
  if (backend === 'wasm' || backend === 'cpu') return 'CPU';
  return humanize(backend);
}

/** "on the GPU" / "on the CPU", for sentences. */
export function backendPhrase(backend: string): string {
  const name = backendName(backend);
  return name === 'GPU' || name === 'CPU' ? `on the ${name}` : `with ${name}`;
}

/** A text model's name: models carry a human name already; a bare key is made readable. */
export function modelName(model: string): string {
  return /[\s()]/.test(model) ? model : humanize(model);
}
