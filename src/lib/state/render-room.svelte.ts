/**
 * The Render room's state: the open work, the stack being edited (pure reducer in
 * src/shared/render-room/stack-edit.ts), the live preview, full-size renders saved as versions,
 * presets, drafts and "learn a look". Batches live in ./render-batch.svelte.ts.
 *
 * Preview scheduling: one preview is in the engine at a time; the newest request waits as
 * `pending` (older pending ones are dropped). A render that a newer change overtakes is aborted
 * through its AbortSignal (its result is never painted) unless no frame has been painted for a
 * while, in which case it may finish, so a long drag still shows frames. The last frame stays on
 * screen until the next one is ready: no blank flashes.
 *
 * Every change saves the draft (debounced, and on `pagehide`), so a reload loses nothing.
 */
import {
  neuralEffects,
  render,
  renderClient,
  renderCpuClient,
  type NeuralEffectInfo,
  type RenderOutcome,
  autoColorGains,
} from '../compute/render-client';
import { sharedPixels } from '../../shared/compute/shared-pixels';
import { db } from '../db/instance';
import { clearDraft, latestDraft, loadDraft, saveDraft } from '../db/drafts';
import { type InterventionSource } from '../db/event-types';
import { track } from '../db/events';
import { onLibraryEvent } from '../db/library-events';
import {
  deletePreset,
  getPreset,
  listPresets,
  renamePreset,
  savePreset,
  type StoredPreset,
} from '../db/presets';
import { getOriginalBlob, getBlob, getWork, listVersions, listWorks } from '../db/works';
import type { Version, Work } from '../db/schema';
import { handleError } from '../errors/handle-error';
import { gainsToMatrix } from '../../shared/autocolor';
import { settings } from './settings.svelte';
import { toasts } from './toasts.svelte';
import type { EffectStack, StackEffect } from '../../shared/effects/types';
import { isAbortError } from '../../shared/errors/base';
import { RenderRoomError } from '../../shared/errors/render-room';
import { fitSize, STARTING } from '../../shared/render-room/catalogue';
import {
  fitLook,
  lookLayers,
  matchedSamples,
  type LookFit,
} from '../../shared/render-room/fit-look';
import { labStats, reinhardSamples, rgbSamples } from '../../shared/render-room/reinhard';
import {
  canRedo,
  canUndo,
  editStack,
  initialEditor,
  withFreshIds,
  type EditAction,
  type EditorState,
} from '../../shared/render-room/stack-edit';
import { decodeImage, saveFile, toRgba, type Rgba } from '../components/render/image-io';
import {
  lookCopy,
  neuralDefsOf,
  newLayerId,
  outputSizeOf,
  renderWorkFull,
  versionStack,
} from '../components/render/render-work';

/** After this long without a painted frame, an overtaken preview is allowed to finish. */
const FRAME_PATIENCE_MS = 150;
const DRAFT_DELAY_MS = 250;

export interface RenderStatus {
  backend: 'webgpu' | 'wasm';
  adapter: string | null;
  ms: number;
}

export interface LookResult {
  kind: 'pair' | 'reference';
  fit: LookFit;
  /** Names of the works used. */
  from: string;
}

function hashWorkId(): string | null {
  const match = /^#\/?render\/([^/?]+)/.exec(globalThis.location?.hash ?? '');
  return match ? decodeURIComponent(match[1]!) : null;
}

class RenderRoomState {
  works = $state.raw<Work[]>([]);
  work = $state.raw<Work | null>(null);
  versions = $state.raw<Version[]>([]);
  editor = $state.raw<EditorState>(initialEditor());
  /** The preview-size copy of the original (what "before" shows). */
  source = $state.raw<Rgba | null>(null);
  /** `source` in shared memory, for the renders (canvases refuse shared pixels). */
  #shared: { of: Rgba; pixels: Rgba } | null = null;
  /** The last rendered preview frame. */
  frame = $state.raw<Rgba | null>(null);
  /** Frames painted since the room opened (tests and the bench wait on it). */
  frames = $state(0);
  showBefore = $state(false);
  status = $state.raw<RenderStatus | null>(null);
  previewing = $state(false);
  /** A notice shown once per session when rendering fell back to the CPU. */
  cpuNotice = $state<string | null>(null);
  /** Full-size render progress (0–1), null when none runs. */
  fullProgress = $state<number | null>(null);
  presets = $state.raw<StoredPreset[]>([]);
  neural = $state.raw<NeuralEffectInfo[]>([]);
  look = $state.raw<LookResult | null>(null);
  learning = $state(false);
  /** Auto colour is predicting the gains. */
  autoColoring = $state(false);
  loading = $state(false);

  stack = $derived(this.editor.stack);
  /** Installed neural effects as definitions (Upscale 2× carries its scale). */
  neuralDefs = $derived(neuralDefsOf(this.neural));
  /** What "Render full size" makes: the work's size times the stack's scale; null without a work. */
  output = $derived(this.work ? outputSizeOf(this.work, this.editor.stack, this.neuralDefs) : null);
  canUndo = $derived(canUndo(this.editor));
  canRedo = $derived(canRedo(this.editor));

  #viewport = { width: 1024, height: 768 };
  #scale = 1;
  #pending: EffectStack | null = null;
  #inflight: { controller: AbortController; stack: EffectStack } | null = null;
  #loop: Promise<void> | null = null;
  #lastPaint = 0;
  #draftTimer: ReturnType<typeof setTimeout> | undefined;
  #fullController: AbortController | null = null;
  #noticeShown = false;
  /** Layers an automatic step added, and which step (for manual-intervention events). */
  #automatic = new Map<string, InterventionSource>();
  #lastAutomatic: InterventionSource | null = null;
  #unsubscribe: (() => void) | null = null;
  #started = false;

  /** Loads the lists and reopens the work in the URL, or the last draft. */
  async start(): Promise<void> {
    if (!this.#started) {
      this.#started = true;
      this.#unsubscribe = onLibraryEvent((event) => {
        if (event.type === 'version-added' && event.workId === this.work?.id) {
          void this.#refreshVersions();
        }
        if (event.type !== 'version-added') void this.refreshWorks();
      });
      globalThis.addEventListener?.('pagehide', this.#flushDraft);
    }
    await Promise.all([this.refreshWorks(), this.refreshPresets(), this.#loadNeural()]);
    const wanted = hashWorkId() ?? (await latestDraft(db))?.workId ?? null;
    if (wanted && wanted !== this.work?.id && this.works.some((w) => w.id === wanted)) {
      await this.open(wanted);
    }
  }

  stop(): void {
    this.#flushDraft();
    this.#inflight?.controller.abort();
    this.#pending = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    globalThis.removeEventListener?.('pagehide', this.#flushDraft);
    this.#started = false;
  }

  async refreshWorks(): Promise<void> {
    this.works = await listWorks(db);
  }

  async refreshPresets(): Promise<void> {
    this.presets = await listPresets(db);
  }

  async #loadNeural(): Promise<void> {
    try {
      this.neural = await neuralEffects();
    } catch {
      this.neural = [];
    }
  }

  async #refreshVersions(): Promise<void> {
    if (this.work) this.versions = await listVersions(db, this.work.id);
  }

  /** The preview area's size in device pixels (the preview renders at that resolution). */
  setViewport(width: number, height: number): void {
    if (width > 0 && height > 0) this.#viewport = { width, height };
  }

  /**
   * Opens a work: its original as the base, and the stack from its draft, from `version`, or empty.
   * @throws LibraryError `not-found`
   */
  async open(workId: string, version?: Version): Promise<void> {
    this.#flushDraft();
    this.#inflight?.controller.abort();
    this.loading = true;
    try {
      const work = await getWork(db, workId);
      const fit = fitSize(work.width, work.height, this.#viewport.width, this.#viewport.height);
      const [source, versions, draft] = await Promise.all([
        decodeImage(await getBlob(db, work.originalBlobId), fit),
        listVersions(db, workId),
        version ? Promise.resolve(null) : loadDraft(db, workId),
      ]);
      this.#scale = source.width / work.width;
      this.work = work;
      this.versions = versions;
      this.source = source;
      // Previews read the source from shared memory: no copy per render.
      this.#shared = { of: source, pixels: sharedPixels(source) };
      this.frame = null;
      this.look = null;
      this.#automatic.clear();
      this.#lastAutomatic = null;
      const stack = (version && versionStack(version)) ?? draft?.stack ?? { effects: [] };
      this.editor = initialEditor(stack);
      if (globalThis.location && hashWorkId() !== workId) {
        history.replaceState(null, '', `#/render/${encodeURIComponent(workId)}`);
      }
      this.requestPreview();
    } finally {
      this.loading = false;
    }
  }

  /** Applies an edit; records it for Insights; re-renders the preview and saves the draft. */
  dispatch(action: EditAction): void {
    const before = this.editor;
    const after = editStack(before, action);
    if (after === before) return;
    this.editor = after;
    // Closing a gesture changes no pixels: nothing to render, record or save.
    if (after.stack === before.stack) return;
    this.#record(action, before, after);
    this.requestPreview();
    this.#scheduleDraft();
  }

  addEffect(effectId: string): void {
    const params = structuredClone(STARTING[effectId] ?? {});
    this.dispatch({ type: 'add', layers: [{ id: newLayerId(), effectId, enabled: true, params }] });
  }

  undo(): void {
    this.dispatch({ type: 'undo' });
  }

  redo(): void {
    this.dispatch({ type: 'redo' });
  }

  #record(action: EditAction, before: EditorState, after: EditorState): void {
    const workId = this.work?.id;
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

  /** Adds layers an automatic step produced, as one undo step. */
  #addAutomatic(layers: StackEffect[], source: InterventionSource): void {
    for (const layer of layers) this.#automatic.set(layer.id, source);
    this.dispatch({ type: 'add', layers });
    this.#lastAutomatic = source;
  }

  // ---------------------------------------------------------------------------------------
  // Preview

  /** Asks for a preview of the current stack (latest wins). */
  requestPreview(): void {
    if (!this.source) return;
    // Already rendering exactly this stack: its frame will do.
    const current = this.#inflight;
    if (
      !this.#pending &&
      current?.stack === this.editor.stack &&
      !current.controller.signal.aborted
    ) {
      return;
    }
    this.#pending = this.editor.stack;
    const inflight = this.#inflight;
    if (inflight && performance.now() - this.#lastPaint < FRAME_PATIENCE_MS) {
      inflight.controller.abort();
    }
    if (this.#loop) return;
    this.#loop = this.#runPreviews().finally(() => {
      this.#loop = null;
      // A request that came in while the loop was finishing.
      if (this.#pending) this.requestPreview();
    });
  }

  async #runPreviews(): Promise<void> {
    this.previewing = true;
    try {
      while (this.#pending && this.source) {
        const stack = this.#pending;
        const source = this.source;
        this.#pending = null;
        const controller = new AbortController();
        this.#inflight = { controller, stack };
        try {
          // The worker scales spatial params to the preview and previews an upscale at screen
          // size (without the network) unless its 2× output fits the preview box.
          const outcome = await render({
            image: this.#shared?.of === source ? this.#shared.pixels : source,
            stack,
            preview: { sourceScale: this.#scale, box: this.#viewport },
            signal: controller.signal,
            backend: settings.backend,
          });
          if (!controller.signal.aborted && this.source === source) {
            this.frame = toRgba(outcome);
            this.frames += 1;
            this.#lastPaint = performance.now();
            this.#noteOutcome(outcome);
          }
        } catch (error) {
          if (!isAbortError(error)) handleError(error, 'Preview');
        } finally {
          this.#inflight = null;
        }
        // An aborted single-tile job still finishes in the worker: wait for the lane to be free
        // so overtaken renders never pile up behind each other.
        if (controller.signal.aborted) await this.#engineIdle();
      }
    } finally {
      this.previewing = false;
    }
  }

  #engineIdle(): Promise<void> {
    const idle = (client: typeof renderClient) =>
      client.alive
        ? client.call(() => Promise.resolve(), { lane: 'render' }).catch(() => undefined)
        : Promise.resolve();
    return Promise.all([idle(renderClient), idle(renderCpuClient)]).then(() => undefined);
  }

  #noteOutcome(outcome: RenderOutcome): void {
    this.status = { backend: outcome.backend, adapter: outcome.adapter, ms: outcome.ms };
    if (this.#noticeShown) return;
    let notice: string | null = null;
    if (outcome.notice) notice = outcome.notice;
    else if (outcome.backend === 'wasm' && settings.backend !== 'wasm') {
      notice =
        'No usable GPU was found, so effects render on the CPU (WASM). They work the same, more slowly.';
    }
    if (notice) {
      this.#noticeShown = true;
      this.cpuNotice = notice;
    }
  }

  dismissNotice(): void {
    this.cpuNotice = null;
  }

  // ---------------------------------------------------------------------------------------
  // Drafts

  #scheduleDraft(): void {
    clearTimeout(this.#draftTimer);
    this.#draftTimer = setTimeout(this.#flushDraft, DRAFT_DELAY_MS);
  }

  #flushDraft = (): void => {
    clearTimeout(this.#draftTimer);
    this.#draftTimer = undefined;
    const work = this.work;
    if (!work) return;
    void saveDraft(db, { workId: work.id, stack: this.editor.stack }).catch((error: unknown) =>
      handleError(error, 'Saving the draft'),
    );
  };

  /** Resolves once the pending draft is written (tests, and before leaving). */
  async saveDraftNow(): Promise<void> {
    clearTimeout(this.#draftTimer);
    if (this.work) await saveDraft(db, { workId: this.work.id, stack: this.editor.stack });
  }

  // ---------------------------------------------------------------------------------------
  // Full-size render, versions, export

  async renderFull(): Promise<Version | null> {
    const work = this.work;
    if (!work || this.fullProgress !== null) return null;
    const controller = new AbortController();
    this.#fullController = controller;
    this.fullProgress = 0;
    try {
      const { version, outcome } = await renderWorkFull({
        work,
        stack: this.editor.stack,
        signal: controller.signal,
        onProgress: (f) => (this.fullProgress = f),
        label: `Rendered ${new Date().toLocaleString()}`,
      });
      this.#noteOutcome(outcome);
      await this.#refreshVersions();
      await clearDraft(db, work.id);
      await saveDraft(db, { workId: work.id, stack: this.editor.stack, versionId: version.id });
      toasts.push('success', `Saved a new version of “${work.title}”.`);
      return version;
    } catch (error) {
      handleError(error, 'Rendering at full size');
      return null;
    } finally {
      this.fullProgress = null;
      this.#fullController = null;
    }
  }

  cancelFull(): void {
    this.#fullController?.abort();
  }

  async exportVersion(version: Version): Promise<void> {
    try {
      const blob = await getBlob(db, version.blobId);
      const title = (this.work?.title ?? 'atelier').replace(/[^\w.-]+/g, '-').slice(0, 60);
      saveFile(blob, `${title}-${new Date(version.createdAt).toISOString().slice(0, 10)}.png`);
      track({ type: 'work.exported', workId: version.workId, format: blob.type || 'image/png' });
    } catch (error) {
      handleError(error, 'Exporting the version');
    }
  }

  // ---------------------------------------------------------------------------------------
  // Presets

  async savePreset(name: string): Promise<boolean> {
    try {
      await savePreset(db, { name, stack: this.editor.stack });
      await this.refreshPresets();
      return true;
    } catch (error) {
      handleError(error, 'Saving the preset');
      return false;
    }
  }

  async applyPreset(id: string): Promise<void> {
    try {
      const preset = await getPreset(db, id);
      this.dispatch({ type: 'replace', stack: withFreshIds(preset.stack, newLayerId) });
    } catch (error) {
      handleError(error, 'Applying the preset');
    }
  }

  async renamePreset(id: string, name: string): Promise<boolean> {
    try {
      await renamePreset(db, id, name);
      await this.refreshPresets();
      return true;
    } catch (error) {
      handleError(error, 'Renaming the preset');
      return false;
    }
  }

  async deletePreset(id: string): Promise<void> {
    try {
      await deletePreset(db, id);
      await this.refreshPresets();
    } catch (error) {
      handleError(error, 'Deleting the preset');
    }
  }

  // ---------------------------------------------------------------------------------------
  // Learn a look

  /** Fits a matrix and a tone curve taking `beforeId`'s image to `afterId`'s, adds them. */
  async learnFromPair(beforeId: string, afterId: string): Promise<void> {
    await this.#learn(async () => {
      const [bw, aw] = await Promise.all([getWork(db, beforeId), getWork(db, afterId)]);
      const before = await lookCopy(await getOriginalBlob(db, beforeId));
      const after = await lookCopy(await getOriginalBlob(db, afterId), before);
      const fit = fitLook(matchedSamples(before, after), { sharedCurve: true });
      return { kind: 'pair', fit, from: `${bw.title} → ${aw.title}` };
    });
  }

  /** Transfers `referenceId`'s colour statistics (Reinhard, CIELAB) to the open work. */
  async learnFromReference(referenceId: string): Promise<void> {
    const source = this.source;
    if (!source) return;
    await this.#learn(async () => {
      const ref = await getWork(db, referenceId);
      const refImage = await lookCopy(await getOriginalBlob(db, referenceId));
      const samples = reinhardSamples(rgbSamples(source.data), labStats(rgbSamples(refImage.data)));
      const fit = fitLook(samples, { sharedCurve: true });
      return { kind: 'reference', fit, from: ref.title };
    });
  }

  async #learn(run: () => Promise<LookResult>): Promise<void> {
    if (!this.work) return;
    this.learning = true;
    try {
      const result = await run();
      if (!Number.isFinite(result.fit.meanDeltaE)) {
        throw new RenderRoomError('look-failed', 'These images give no look to learn.');
      }
      this.look = result;
      this.#addAutomatic(lookLayers(result.fit, newLayerId), 'suggested-look');
    } catch (error) {
      handleError(error, 'Learning the look');
    } finally {
      this.learning = false;
    }
  }

  /**
   * Auto colour (the paper's network): predicts the gains that remove the colour cast of the
   * work and adds them as an ordinary colour matrix, marked automatic so later tweaks count as
   * manual interventions.
   */
  async autoColor(): Promise<void> {
    const source = this.source;
    if (!source || this.autoColoring) return;
    this.autoColoring = true;
    try {
      const { gains } = await autoColorGains(source);
      const layer: StackEffect = {
        id: newLayerId(),
        effectId: 'matrix',
        enabled: true,
        params: { matrix: gainsToMatrix(gains) },
      };
      this.#addAutomatic([layer], 'auto-colour');
    } catch (error) {
      handleError(error, 'Auto colour');
    } finally {
      this.autoColoring = false;
    }
  }

  /** Marks auto colour (a neural model) as an automatic step when it is added. */
  addNeural(effectId: string): void {
    const layer: StackEffect = { id: newLayerId(), effectId, enabled: true, params: {} };
    if (effectId.includes('autocolor')) this.#addAutomatic([layer], 'auto-colour');
    else this.dispatch({ type: 'add', layers: [layer] });
  }
}

export const renderRoom = new RenderRoomState();
