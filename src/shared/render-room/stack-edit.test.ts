import { describe, expect, it } from 'vitest';
import type { StackEffect } from '../effects/types';
import {
  canRedo,
  canUndo,
  editStack,
  HISTORY_LIMIT,
  initialEditor,
  parseStack,
  withFreshIds,
  type EditAction,
  type EditorState,
} from './stack-edit';

const L = (id: string, effectId = 'exposure', params: StackEffect['params'] = {}): StackEffect => ({
  id,
  effectId,
  enabled: true,
  params,
});
const run = (state: EditorState, ...actions: EditAction[]) => actions.reduce(editStack, state);
const ids = (s: EditorState) => s.stack.effects.map((e) => e.id);

describe('stack editor', () => {
  it('adds at the end or at an index, and refuses duplicate ids', () => {
    let s = run(
      initialEditor(),
      { type: 'add', layers: [L('a')] },
      { type: 'add', layers: [L('b')] },
    );
    s = editStack(s, { type: 'add', layers: [L('c')], index: 1 });
    expect(ids(s)).toEqual(['a', 'c', 'b']);
    expect(editStack(s, { type: 'add', layers: [L('a')] })).toBe(s);
    expect(s.past).toHaveLength(3);
  });

  it('removes, toggles and moves layers without mutating the previous stack', () => {
    const start = run(initialEditor(), { type: 'add', layers: [L('a'), L('b'), L('c')] });
    const before = structuredClone(start.stack);
    const moved = editStack(start, { type: 'move', id: 'a', to: 2 });
    expect(ids(moved)).toEqual(['b', 'c', 'a']);
    expect(ids(editStack(start, { type: 'move', id: 'c', to: -5 }))).toEqual(['c', 'a', 'b']);
    expect(editStack(start, { type: 'move', id: 'b', to: 1 })).toBe(start);
    const toggled = editStack(start, { type: 'toggle', id: 'b' });
    expect(toggled.stack.effects[1]!.enabled).toBe(false);
    expect(editStack(toggled, { type: 'toggle', id: 'b', enabled: false })).toBe(toggled);
    expect(ids(editStack(start, { type: 'remove', id: 'b' }))).toEqual(['a', 'c']);
    expect(editStack(start, { type: 'remove', id: 'zz' })).toBe(start);
    expect(start.stack).toEqual(before);
  });

  it('undoes and redoes every change, and a new change clears redo', () => {
    let s = run(
      initialEditor(),
      { type: 'add', layers: [L('a')] },
      { type: 'set-param', id: 'a', key: 'ev', value: 1 },
      { type: 'toggle', id: 'a' },
    );
    expect(s.stack.effects[0]).toMatchObject({ enabled: false, params: { ev: 1 } });
    s = editStack(s, { type: 'undo' });
    expect(s.stack.effects[0]).toMatchObject({ enabled: true, params: { ev: 1 } });
    s = editStack(s, { type: 'undo' });
    expect(s.stack.effects[0]!.params).toEqual({});
    expect(canRedo(s)).toBe(true);
    s = editStack(s, { type: 'redo' });
    expect(s.stack.effects[0]!.params).toEqual({ ev: 1 });
    s = editStack(s, { type: 'set-param', id: 'a', key: 'ev', value: 2 });
    expect(canRedo(s)).toBe(false);
    s = run(s, { type: 'undo' }, { type: 'undo' }, { type: 'undo' });
    expect(s.stack.effects).toEqual([]);
    expect(canUndo(s)).toBe(false);
    expect(editStack(s, { type: 'undo' })).toBe(s);
  });

  it('coalesces a slider drag into one undo step, and separate drags into separate steps', () => {
    let s = run(initialEditor(), { type: 'add', layers: [L('a')] });
    for (const v of [0.1, 0.2, 0.3, 0.4]) {
      s = editStack(s, { type: 'set-param', id: 'a', key: 'ev', value: v, gesture: 'drag-1' });
    }
    expect(s.past).toHaveLength(2);
    s = editStack(s, { type: 'end-gesture' });
    s = editStack(s, { type: 'set-param', id: 'a', key: 'ev', value: 0.9, gesture: 'drag-1' });
    expect(s.past).toHaveLength(3);
    s = editStack(s, { type: 'set-param', id: 'a', key: 'ev', value: 1.5, gesture: 'drag-2' });
    expect(s.past).toHaveLength(4);
    s = editStack(s, { type: 'undo' });
    expect(s.stack.effects[0]!.params.ev).toBe(0.9);
    s = editStack(s, { type: 'undo' });
    expect(s.stack.effects[0]!.params.ev).toBe(0.4);
    s = editStack(s, { type: 'undo' });
    expect(s.stack.effects[0]!.params.ev).toBeUndefined();
  });

  it('ignores a set-param that changes nothing (arrays compared by value)', () => {
    const s = run(initialEditor(), {
      type: 'add',
      layers: [L('a', 'curve', { points: [0, 0, 1, 1] })],
    });
    expect(editStack(s, { type: 'set-param', id: 'a', key: 'points', value: [0, 0, 1, 1] })).toBe(
      s,
    );
  });

  it('replace is one undo step; load starts a fresh history', () => {
    let s = run(initialEditor(), { type: 'add', layers: [L('a')] });
    s = editStack(s, { type: 'replace', stack: { effects: [L('p1'), L('p2')] } });
    expect(ids(s)).toEqual(['p1', 'p2']);
    expect(ids(editStack(s, { type: 'undo' }))).toEqual(['a']);
    const loaded = editStack(s, { type: 'load', stack: { effects: [L('d')] } });
    expect(ids(loaded)).toEqual(['d']);
    expect(canUndo(loaded)).toBe(false);
  });

  it('keeps at most HISTORY_LIMIT steps', () => {
    let s = run(initialEditor(), { type: 'add', layers: [L('a')] });
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) {
      s = editStack(s, { type: 'set-param', id: 'a', key: 'ev', value: i / 100 });
    }
    expect(s.past).toHaveLength(HISTORY_LIMIT);
  });
});

describe('parseStack', () => {
  it('keeps well-formed layers and drops the rest', () => {
    expect(
      parseStack({
        effects: [
          { id: 'a', effectId: 'exposure', enabled: false, params: { ev: 1, bad: 'x', n: NaN } },
          { id: 'a', effectId: 'dup' },
          { effectId: 'no-id' },
          null,
          { id: 'b', effectId: 'curve', params: { points: [0, 0, 1, 1], mixed: [1, 'x'] } },
        ],
      }),
    ).toEqual({
      effects: [
        { id: 'a', effectId: 'exposure', enabled: false, params: { ev: 1 } },
        { id: 'b', effectId: 'curve', enabled: true, params: { points: [0, 0, 1, 1] } },
      ],
    });
    expect(parseStack(null)).toBeNull();
    expect(parseStack({ effects: 'x' })).toBeNull();
  });

  it('gives fresh ids on request', () => {
    let n = 0;
    const stack = withFreshIds({ effects: [L('a'), L('b')] }, () => `n${++n}`);
    expect(stack.effects.map((e) => e.id)).toEqual(['n1', 'n2']);
  });
});

describe('opacity and blend mode', () => {
  it('sets them as one undo step per drag, keeps the defaults out of the data, and undoes', () => {
    let s = initialEditor({ effects: [L('a'), L('b')] });
    s = editStack(s, { type: 'set-blend', id: 'a', opacity: 0.8, gesture: 'g1' });
    s = editStack(s, { type: 'set-blend', id: 'a', opacity: 0.5, gesture: 'g1' });
    expect(s.stack.effects[0]).toMatchObject({ opacity: 0.5 });
    expect(s.past).toHaveLength(1);
    s = editStack(s, { type: 'end-gesture' });
    s = editStack(s, { type: 'set-blend', id: 'a', blend: 'multiply' });
    expect(s.stack.effects[0]).toMatchObject({ opacity: 0.5, blend: 'multiply' });
    s = editStack(s, { type: 'set-blend', id: 'a', opacity: 7, blend: 'normal' });
    expect(s.stack.effects[0]!.opacity).toBeUndefined();
    expect(s.stack.effects[0]!.blend).toBeUndefined();
    expect(editStack(s, { type: 'set-blend', id: 'a', opacity: 1 })).toBe(s);
    s = editStack(s, { type: 'undo' });
    expect(s.stack.effects[0]).toMatchObject({ opacity: 0.5, blend: 'multiply' });
  });

  it('keeps them through storage, and drops what is not a mode or an opacity', () => {
    const stack = parseStack({
      effects: [
        { ...L('a'), opacity: 0.25, blend: 'screen' },
        { ...L('b'), opacity: 'half', blend: 'dodge' },
        { ...L('c'), opacity: -3, blend: 'normal' },
      ],
    })!;
    expect(stack.effects[0]).toMatchObject({ opacity: 0.25, blend: 'screen' });
    expect(stack.effects[1]!.opacity).toBeUndefined();
    expect(stack.effects[1]!.blend).toBeUndefined();
    expect(stack.effects[2]!.opacity).toBe(0);
    expect(stack.effects[2]!.blend).toBeUndefined();
  });
});

describe('masks', () => {
  it('sets, coalesces a drawing drag, removes, and survives storage; bad masks are dropped', () => {
    let s = initialEditor({ effects: [L('a')] });
    const lin = { kind: 'linear' as const, x0: 0.5, y0: 0, x1: 0.5, y1: 0.4 };
    s = editStack(s, { type: 'set-mask', id: 'a', mask: lin, gesture: 'd1' });
    s = editStack(s, { type: 'set-mask', id: 'a', mask: { ...lin, y1: 0.6 }, gesture: 'd1' });
    expect(s.past).toHaveLength(1);
    expect(s.stack.effects[0]!.mask).toEqual({ ...lin, y1: 0.6 });
    expect(parseStack(s.stack)!.effects[0]!.mask).toEqual({ ...lin, y1: 0.6 });
    s = editStack(s, { type: 'end-gesture' });
    s = editStack(s, { type: 'set-mask', id: 'a', mask: null });
    expect(s.stack.effects[0]!.mask).toBeUndefined();
    const stored = parseStack({
      effects: [
        { ...L('a'), mask: { kind: 'radial', cx: 0.5, cy: 0.5, rx: 9, ry: 0.2, feather: 0 } },
        { ...L('b'), mask: { kind: 'linear', x0: 'top' } },
        { ...L('c'), mask: { kind: 'brush' } },
      ],
    })!;
    expect(stored.effects[0]!.mask).toEqual({
      kind: 'radial',
      cx: 0.5,
      cy: 0.5,
      rx: 3,
      ry: 0.2,
      feather: 0.01,
    });
    expect(stored.effects[1]!.mask).toBeUndefined();
    expect(stored.effects[2]!.mask).toBeUndefined();
  });
});

describe('geometry', () => {
  it('sets it as one undo step per drag, the identity leaves none, and storage keeps only sound values', () => {
    let s = initialEditor({ effects: [L('a')] });
    const turn = {
      rotate90: 1 as const,
      flipH: false,
      flipV: false,
      straighten: 0,
      ratio: 'free' as const,
    };
    s = editStack(s, { type: 'set-geometry', geometry: turn });
    expect(s.stack.geometry).toMatchObject({ rotate90: 1 });
    expect(s.past).toHaveLength(1);
    // A straighten drag is one step.
    s = editStack(s, { type: 'set-geometry', geometry: { ...turn, straighten: 1 }, gesture: 'g' });
    s = editStack(s, {
      type: 'set-geometry',
      geometry: { ...turn, straighten: 2.5 },
      gesture: 'g',
    });
    s = editStack(s, { type: 'end-gesture' });
    expect(s.past).toHaveLength(2);
    expect(s.stack.geometry).toMatchObject({ rotate90: 1, straighten: 2.5 });
    expect(parseStack(s.stack)!.geometry).toEqual(s.stack.geometry);
    // The same geometry again changes nothing.
    expect(editStack(s, { type: 'set-geometry', geometry: s.stack.geometry! })).toBe(s);
    s = editStack(s, { type: 'undo' });
    expect(s.stack.geometry).toMatchObject({ rotate90: 1, straighten: 0 });
    s = editStack(s, { type: 'set-geometry', geometry: null });
    expect(s.stack.geometry).toBeUndefined();
    // From storage: out-of-range values clamped, nonsense dropped, never a crash.
    const stored = parseStack({
      effects: [L('a')],
      geometry: { rotate90: 5, flipH: 'yes', straighten: 90, ratio: 'banana' },
    })!;
    expect(stored.geometry).toMatchObject({
      rotate90: 1,
      flipH: false,
      straighten: 45,
      ratio: 'free',
    });
    expect(parseStack({ effects: [L('a')], geometry: 'tilted' })!.geometry).toBeUndefined();
    expect(parseStack({ effects: [L('a')] })!.geometry).toBeUndefined();
  });
});
