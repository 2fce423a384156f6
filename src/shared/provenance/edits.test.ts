import { describe, expect, it } from 'vitest';
import { editStepsOf } from './edits';

describe('editStepsOf', () => {
  it('maps enabled layers to C2PA steps, neural ones as trained-model edits', () => {
    const stack = {
      effects: [
        { id: 'a', effectId: 'exposure', enabled: true, params: {} },
        { id: 'b', effectId: 'blur', enabled: true, params: {} },
        { id: 'c', effectId: 'vignette', enabled: false, params: {} },
        { id: 'd', effectId: 'neural:denoise', enabled: true, params: {} },
        { id: 'e', effectId: 'neural:upscale-2x', enabled: true, params: {} },
      ],
    };
    expect(editStepsOf(stack)).toEqual([
      { kind: 'color', name: 'Exposure' },
      { kind: 'filter', name: 'Gaussian blur' },
      { kind: 'neural', name: 'denoise' },
      { kind: 'neural-resize', name: 'upscale-2x' },
    ]);
  });

  it('puts the framing first: turns and mirrors, straightening, then the crop', () => {
    const effects = [{ id: 'a', effectId: 'exposure', enabled: true, params: {} }];
    const geometry = { rotate90: 1, flipH: true, flipV: false, straighten: -2.5, ratio: '1:1' };
    expect(editStepsOf({ effects, geometry })).toEqual([
      { kind: 'orientation', name: 'Rotate 90°, Flip horizontal' },
      { kind: 'orientation', name: 'Straighten -2.5°' },
      { kind: 'crop', name: 'Crop' },
      { kind: 'color', name: 'Exposure' },
    ]);
    // No framing, or a framing that changes nothing: no step.
    expect(
      editStepsOf({
        effects,
        geometry: { rotate90: 0, flipH: false, flipV: false, straighten: 0, ratio: 'free' },
      }),
    ).toEqual([{ kind: 'color', name: 'Exposure' }]);
  });

  it('gives no steps for an original (no stack) or a malformed one', () => {
    expect(editStepsOf(undefined)).toEqual([]);
    expect(editStepsOf({ effects: 'x' })).toEqual([]);
  });
});
