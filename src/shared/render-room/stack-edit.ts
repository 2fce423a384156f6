/**
 * The Render room's stack editor as a pure reducer: add, remove, reorder, toggle, set a parameter,
 * set the geometry (crop, turns, flips, straighten), replace (load a draft, apply a preset), undo
 * and redo.
 *
 * History: every action that changes the stack pushes the previous stack onto `past` and clears
 * `future`. A slider drag sends many `set-param` actions carrying the same `gesture` token; they
 * *coalesce* into one undo step (only the first pushes history), so one Ctrl+Z undoes the whole
 * drag. A different gesture, any other action, or `end-gesture` closes the step.
 *
 * Stacks are plain data (see src/shared/effects/types.ts); the reducer never mutates its input.
 */
import { isBlendMode } from '../effects/blend';
import { BRUSH_LIMITS } from '../effects/brush';
import type {
  BlendMode,
  BrushStroke,
  EffectStack,
  Geometry,
  LayerMask,
  StackEffect,
} from '../effects/types';
import { cleanGeometry } from './geometry';

/** How many undo steps are kept. */
export const HISTORY_LIMIT = 200;

export interface EditorState {
  stack: EffectStack;
  past: EffectStack[];
  future: EffectStack[];
  /** The gesture whose `set-param` actions currently coalesce, if any. */
  gesture: string | null;
}

export type EditAction =
  /** Adds layers (one undo step), at `index` or at the end. */
  | { type: 'add'; layers: StackEffect[]; index?: number }
  | { type: 'remove'; id: string }
  /** Moves the layer `id` to position `to` (clamped to the stack). */
  | { type: 'move'; id: string; to: number }
  | { type: 'toggle'; id: string; enabled?: boolean }
  /** Sets one parameter; equal `gesture` tokens in a row coalesce into one undo step. */
  | { type: 'set-param'; id: string; key: string; value: number | number[]; gesture?: string }
  /** Sets a layer's opacity (0–1) and/or blend mode; `gesture` coalesces as for `set-param`. */
  | { type: 'set-blend'; id: string; opacity?: number; blend?: BlendMode; gesture?: string }
  /** Sets (or with null removes) a layer's mask; `gesture` coalesces a drawing drag. */
  | { type: 'set-mask'; id: string; mask: LayerMask | null; gesture?: string }
  /**
   * Sets the geometry (null: none); `gesture` coalesces a drag (the straighten slider) into one
   * undo step. Cleaned first (see cleanGeometry): the identity leaves the stack without one.
   */
  | { type: 'set-geometry'; geometry: Geometry | null; gesture?: string }
  /** Closes the current gesture (pointer up, blur): the next change starts a new step. */
  | { type: 'end-gesture' }
  /** Replaces the whole stack as one undoable step (apply a preset). */
  | { type: 'replace'; stack: EffectStack }
  /** Starts over with `stack` and no history (open a work, load a draft). */
  | { type: 'load'; stack: EffectStack }
  | { type: 'undo' }
  | { type: 'redo' };

export function initialEditor(stack: EffectStack = { effects: [] }): EditorState {
  return { stack, past: [], future: [], gesture: null };
}

function commit(
  state: EditorState,
  stack: EffectStack,
  gesture: string | null = null,
): EditorState {
  const past = [...state.past, state.stack];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { stack, past, future: [], gesture };
}

function indexOf(stack: EffectStack, id: string): number {
  return stack.effects.findIndex((e) => e.id === id);
}

/** The layer with `opacity` and `blend`; the defaults (1, normal) are left out of the data. */
function withBlend(layer: StackEffect, opacity: number, blend: BlendMode): StackEffect {
  const { opacity: _o, blend: _b, ...rest } = layer;
  return {
    ...rest,
    ...(opacity < 1 ? { opacity } : {}),
    ...(blend !== 'normal' ? { blend } : {}),
  };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const frac = (v: number, lo = -1, hi = 2) => Math.min(hi, Math.max(lo, v));

/** A well-formed brush stroke (see src/shared/effects/brush), or null. */
function cleanStroke(value: unknown): BrushStroke | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.points) || !finite(v.size) || !finite(v.hardness)) return null;
  const points = v.points.slice(0, 2 * BRUSH_LIMITS.pointsPerStroke);
  if (points.length < 2 || points.length % 2 !== 0 || !points.every(finite)) return null;
  return {
    points: points.map((n) => frac(n)),
    size: frac(v.size, BRUSH_LIMITS.minSize, BRUSH_LIMITS.maxSize),
    hardness: frac(v.hardness, 0, 1),
    ...(v.erase === true ? { erase: true } : {}),
  };
}

/** A well-formed mask (numbers finite and in range), or null. */
export function cleanMask(value: unknown): LayerMask | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const invert = v.invert === true ? { invert: true } : {};
  if (v.kind === 'linear' && [v.x0, v.y0, v.x1, v.y1].every(finite)) {
    const [x0, y0, x1, y1] = [v.x0, v.y0, v.x1, v.y1].map((n) => frac(n as number));
    return { kind: 'linear', x0: x0!, y0: y0!, x1: x1!, y1: y1!, ...invert };
  }
  if (v.kind === 'brush' && finite(v.aspect) && Array.isArray(v.strokes)) {
    const strokes = v.strokes
      .map(cleanStroke)
      .filter((st): st is BrushStroke => st !== null)
      .slice(0, BRUSH_LIMITS.strokes);
    return { kind: 'brush', aspect: frac(v.aspect, 0.05, 20), strokes, ...invert };
  }
  if (v.kind === 'radial' && [v.cx, v.cy, v.rx, v.ry, v.feather].every(finite)) {
    return {
      kind: 'radial',
      cx: frac(v.cx as number),
      cy: frac(v.cy as number),
      rx: frac(v.rx as number, 0.001, 3),
      ry: frac(v.ry as number, 0.001, 3),
      feather: frac(v.feather as number, 0.01, 1),
      ...invert,
    };
  }
  return null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  return a === b;
}

/** Applies `action`; returns `state` itself when nothing changes. */
export function editStack(state: EditorState, action: EditAction): EditorState {
  const { stack } = state;
  switch (action.type) {
    case 'add': {
      if (action.layers.length === 0) return state;
      const taken = new Set(stack.effects.map((e) => e.id));
      if (action.layers.some((l) => taken.has(l.id))) return state;
      const effects = [...stack.effects];
      const at = Math.max(0, Math.min(effects.length, action.index ?? effects.length));
      effects.splice(at, 0, ...action.layers);
      return commit(state, { ...stack, effects });
    }
    case 'remove': {
      const i = indexOf(stack, action.id);
      if (i < 0) return state;
      return commit(state, { ...stack, effects: stack.effects.filter((_, j) => j !== i) });
    }
    case 'move': {
      const from = indexOf(stack, action.id);
      if (from < 0) return state;
      const to = Math.max(0, Math.min(stack.effects.length - 1, Math.round(action.to)));
      if (to === from) return state;
      const effects = [...stack.effects];
      const [moved] = effects.splice(from, 1);
      effects.splice(to, 0, moved!);
      return commit(state, { ...stack, effects });
    }
    case 'toggle': {
      const i = indexOf(stack, action.id);
      if (i < 0) return state;
      const layer = stack.effects[i]!;
      const enabled = action.enabled ?? !layer.enabled;
      if (enabled === layer.enabled) return state;
      const effects = stack.effects.map((e, j) => (j === i ? { ...e, enabled } : e));
      return commit(state, { ...stack, effects });
    }
    case 'set-blend': {
      const i = indexOf(stack, action.id);
      if (i < 0) return state;
      const layer = stack.effects[i]!;
      const opacity =
        action.opacity === undefined
          ? (layer.opacity ?? 1)
          : Math.min(1, Math.max(0, action.opacity));
      const blend = action.blend ?? layer.blend ?? 'normal';
      if (opacity === (layer.opacity ?? 1) && blend === (layer.blend ?? 'normal')) return state;
      const next = {
        ...stack,
        effects: stack.effects.map((e, j) => (j === i ? withBlend(e, opacity, blend) : e)),
      };
      const gesture = action.gesture ?? null;
      if (gesture !== null && gesture === state.gesture) return { ...state, stack: next };
      return commit(state, next, gesture);
    }
    case 'set-mask': {
      const i = indexOf(stack, action.id);
      if (i < 0) return state;
      const layer = stack.effects[i]!;
      const mask = action.mask ? cleanMask(action.mask) : null;
      if (JSON.stringify(layer.mask ?? null) === JSON.stringify(mask)) return state;
      const next = {
        ...stack,
        effects: stack.effects.map((e, j) => {
          if (j !== i) return e;
          const { mask: _m, ...rest } = e;
          return mask ? { ...rest, mask } : rest;
        }),
      };
      const gesture = action.gesture ?? null;
      if (gesture !== null && gesture === state.gesture) return { ...state, stack: next };
      return commit(state, next, gesture);
    }
    case 'set-geometry': {
      const geometry = cleanGeometry(action.geometry);
      if (JSON.stringify(stack.geometry ?? null) === JSON.stringify(geometry)) return state;
      const { geometry: _g, ...rest } = stack;
      const next: EffectStack = geometry ? { ...rest, geometry } : rest;
      const gesture = action.gesture ?? null;
      if (gesture !== null && gesture === state.gesture) return { ...state, stack: next };
      return commit(state, next, gesture);
    }
    case 'set-param': {
      const i = indexOf(stack, action.id);
      if (i < 0) return state;
      const layer = stack.effects[i]!;
      if (sameValue(layer.params[action.key], action.value)) return state;
      const value = Array.isArray(action.value) ? [...action.value] : action.value;
      const effects = stack.effects.map((e, j) =>
        j === i ? { ...e, params: { ...e.params, [action.key]: value } } : e,
      );
      const next = { ...stack, effects };
      const gesture = action.gesture ?? null;
      if (gesture !== null && gesture === state.gesture) {
        // Same drag: replace the present, keep the step opened by the drag's first move.
        return { ...state, stack: next };
      }
      return commit(state, next, gesture);
    }
    case 'end-gesture':
      return state.gesture === null ? state : { ...state, gesture: null };
    case 'replace':
      return commit(state, action.stack);
    case 'load':
      return initialEditor(action.stack);
    case 'undo': {
      const previous = state.past.at(-1);
      if (!previous) return state;
      return {
        stack: previous,
        past: state.past.slice(0, -1),
        future: [stack, ...state.future],
        gesture: null,
      };
    }
    case 'redo': {
      const [next, ...rest] = state.future;
      if (!next) return state;
      return { stack: next, past: [...state.past, stack], future: rest, gesture: null };
    }
  }
}

export const canUndo = (state: EditorState): boolean => state.past.length > 0;
export const canRedo = (state: EditorState): boolean => state.future.length > 0;

/**
 * Checks data read back from storage (drafts, presets, versions) and keeps only well-formed
 * layers and geometry (a bad one is none). Returns null when `value` is not a stack at all.
 */
export function parseStack(value: unknown): EffectStack | null {
  if (typeof value !== 'object' || value === null) return null;
  const effects = (value as { effects?: unknown }).effects;
  if (!Array.isArray(effects)) return null;
  const out: StackEffect[] = [];
  const ids = new Set<string>();
  for (const raw of effects) {
    if (typeof raw !== 'object' || raw === null) continue;
    const { id, effectId, enabled, params, opacity, blend, mask } = raw as Record<string, unknown>;
    if (typeof id !== 'string' || typeof effectId !== 'string' || ids.has(id)) continue;
    const clean: StackEffect['params'] = {};
    if (typeof params === 'object' && params !== null) {
      for (const [key, v] of Object.entries(params)) {
        if (typeof v === 'number' && Number.isFinite(v)) clean[key] = v;
        else if (Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
          clean[key] = [...(v as number[])];
        }
      }
    }
    ids.add(id);
    const layer: StackEffect = { id, effectId, enabled: enabled !== false, params: clean };
    if (typeof opacity === 'number' && Number.isFinite(opacity) && opacity < 1) {
      layer.opacity = Math.max(0, opacity);
    }
    if (isBlendMode(blend) && blend !== 'normal') layer.blend = blend;
    const cleaned = cleanMask(mask);
    if (cleaned) layer.mask = cleaned;
    out.push(layer);
  }
  const geometry = cleanGeometry((value as { geometry?: unknown }).geometry);
  return geometry ? { effects: out, geometry } : { effects: out };
}

/**
 * A copy of `stack`'s layers with fresh ids (applying a preset twice never collides), without
 * its geometry: a preset is a look, the framing belongs to each work.
 */
export function withFreshIds(stack: EffectStack, newId: () => string): EffectStack {
  return { effects: stack.effects.map((e) => ({ ...e, id: newId(), params: { ...e.params } })) };
}
