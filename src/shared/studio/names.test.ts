import { describe, expect, it } from 'vitest';
import { backendName, backendPhrase, effectName, modelName } from './names';

describe('names', () => {
  it('names classic and neural effects as the catalogue does', () => {
    expect(effectName('matrix')).toBe('Colour matrix');
    expect(effectName('curve')).toBe('Tone curve');
    expect(effectName('neural:denoise')).toBe('Denoise');
    expect(effectName('neural:upscale2x')).toBe('Upscale 2×');
    expect(effectName('autocolor')).toBe('Auto colour');
    expect(effectName('neural:my-style_v2')).toBe('My style v2');
  });
  it('names backends and models in plain words', () => {
    expect(backendName('webgpu')).toBe('GPU');
    expect(backendName('wasm')).toBe('CPU');
    expect(backendPhrase('wasm')).toBe('on the CPU');
    expect(modelName('atelier-tiny')).toBe('Atelier tiny');
    expect(modelName('Atelier fortune GPT-2 (bundled)')).toBe('Atelier fortune GPT-2 (bundled)');
  });
});
