/**
 * Insights events for the Render room's edits: which edits are recorded (a drag is one step, not
 * every move), and which layers an automatic step (a learned look, auto colour) added, so that
 * later changes are recorded as manual interventions after that step.
 */
import type { InterventionSource } from '../db/event-types';
import { track } from '../db/events';
import type { StackEffect } from '../../shared/effects/types';
import type { EditAction, EditorState } from '../../shared/render-room/stack-edit';

/** One applied edit: the action, the editor before and after it, and the open work. */
export interface RecordedEdit {
  action: EditAction;
  before: EditorState;
  after: EditorState;
  workId: string | undefined;
}

/** Records the room's edits for Insights; remembers what automatic steps added. */
export class EditRecorder {
  /** Layers an automatic step added, and which step (for manual-intervention events). */
  #automatic = new Map<string, InterventionSource>();
  #lastAutomatic: InterventionSource | null = null;

  /** Forgets every automatic step (another work was opened). */
  reset(): void {
    this.#automatic.clear();
    this.#lastAutomatic = null;
  }

  /** Marks `layers` as added by `source`; call before they are dispatched. */
  markAutomatic(layers: StackEffect[], source: InterventionSource): void {
    for (const layer of layers) this.#automatic.set(layer.id, source);
  }

  /** Notes `source` as the last automatic step; call once its layers are added. */
  automaticDone(source: InterventionSource): void {
    this.#lastAutomatic = source;
  }

  /** Tracks the events an applied edit stands for. */
  record({ action, before, after, workId }: RecordedEdit): void {
    const base = workId ? { workId } : {};
    const layerOf = (id: string) => before.stack.effects.find((e) => e.id === id);
    const intervention = (action2: 'param-changed' | 'removed' | 'undo', effectId?: string) => {
      if (!this.#lastAutomatic) return;
      track({
        type: 'intervention',
        ...base,
        after: this.#lastAutomatic,
        action: action2,
        ...(effectId ? { effectId } : {}),
      });
    };
    switch (action.type) {
      case 'add':
        for (const layer of action.layers) {
          const automatic = this.#automatic.has(layer.id);
          track({ type: 'effect.added', ...base, effectId: layer.effectId, automatic });
        }
        break;
      case 'remove': {
        const layer = layerOf(action.id);
        if (!layer) break;
        track({ type: 'effect.removed', ...base, effectId: layer.effectId, automatic: false });
        intervention('removed', layer.effectId);
        break;
      }
      case 'set-param': {
        // A drag is one step: record when it opens a new history step, not on every move.
        if (after.past.length === before.past.length) break;
        const layer = layerOf(action.id);
        if (!layer) break;
        track({
          type: 'effect.changed',
          ...base,
          effectId: layer.effectId,
          automatic: false,
          params: { [action.key]: action.value },
        });
        intervention('param-changed', layer.effectId);
        break;
      }
      case 'undo':
        intervention('undo');
        break;
      default:
        break;
    }
  }
}
