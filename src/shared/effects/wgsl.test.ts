/** GPU render-graph planning and code generation (the shaders themselves run in the e2e tests). */
import { describe, expect, it } from 'vitest';
import { layer, layoutStack } from './registry';
import { dispatchCount, planGpuSteps, pointShader, uniformLayout, HEADER_FLOATS } from './wgsl';

const five = layoutStack({
  effects: [
    layer('exposure', { ev: 0.3 }),
    layer('contrast', { amount: 0.2 }),
    layer('saturation', { amount: 0.3 }),
    layer('blur', { sigma: 3 }),
    layer('vignette', { amount: 0.5 }),
  ],
});

describe('GPU render graph', () => {
  it('fuses neighbouring point effects into one dispatch; blur is two separable passes', () => {
    const steps = planGpuSteps(five.entries);
    expect(
      steps.map((s) => (s.kind === 'point' ? s.entries.map((e) => e.entry.def.id) : s.kind)),
    ).toEqual([['exposure', 'contrast', 'saturation'], 'area', ['vignette']]);
    expect(dispatchCount(steps)).toBe(4);
  });

  it('adds pack/unpack runs around stacks that start or end with an area effect', () => {
    const steps = planGpuSteps(layoutStack({ effects: [layer('blur', { sigma: 1 })] }).entries);
    expect(steps.map((s) => s.kind)).toEqual(['point', 'area', 'point']);
    expect(planGpuSteps([]).map((s) => s.kind)).toEqual(['point']);
  });

  it('lays uniforms out after the header, in stack order', () => {
    const { bases, length } = uniformLayout(five.entries);
    expect(bases[0]).toBe(HEADER_FLOATS);
    expect(bases[1]).toBe(HEADER_FLOATS + 1);
    expect(length).toBe(HEADER_FLOATS + five.entries.reduce((n, e) => n + e.uniforms.length, 0));
  });

  it('generates one shader per fused run, each effect reading its own uniforms', () => {
    const [run] = planGpuSteps(five.entries);
    if (run?.kind !== 'point') throw new Error('expected a point run');
    const code = pointShader(run.entries, true, false);
    expect(code.match(/^fn fx\d+/gm)).toEqual(['fn fx0', 'fn fx1', 'fn fx2']);
    expect(code).toContain(`fn U0(i: u32) -> f32 { return P[${HEADER_FLOATS}u + i]; }`);
    expect(code).toContain('c = c * U0(0);');
    expect(code).toContain('unpack_px(src[idx])');
    expect(code).not.toMatch(/\bU\(/);
  });
});
