/**
 * The Render room's state: the open work, the stack being edited (pure reducer in
 * src/shared/render-room/stack-edit.ts), the live preview, full-size renders saved as versions,
 * presets, drafts and "learn a look". Batches live in ./render-batch.svelte.ts; the preview loop
 * in ./render-preview.ts; Insights events for edits in ./render-edit-events.ts; the look and
 * auto-colour steps in ./render-look.ts. The last frame stays on screen until the next one is
 * ready: no blank flashes.
 *
 * Every change saves the draft (debounced, and on `pagehide`), so a reload loses nothing.
 */
import { tick } from 'svelte';
import { neuralEffects, type NeuralEffectInfo, type RenderOutcome } from '../compute/render-client';
import { sharedPixels } from '../../shared/compute/shared-pixels';
import { db } from '../db/instance';
import { clearDraft, latestDraft, loadDraft, mirrorDraft, saveDraft } from '../db/drafts';
import { type InterventionSource } from '../db/event-types';
import { track } from '../db/events';
import { onLibraryEvent } from '../db/library-events';
import { getPreset, type StoredPreset } from '../db/presets';
import { getBlob, getWork, listVersions, listWorks } from '../db/works';
import type { Version, Work } from '../db/schema';
import { handleError } from '../errors/handle-error';
import { toasts } from './toasts.svelte';
import { whiteBalanceAt, whiteBalanceProblem } from '../../shared/render-room/white-balance';
import type { EffectStack, Geometry, StackEffect } from '../../shared/effects/types';
import {
  cleanGeometry,
  outputFractionToSource,
  uncroppedGeometry,
} from '../../shared/render-room/geometry';
import { applyGeometry } from '../../../workers/render/geometry';
import { RenderRoomError } from '../../shared/errors/render-room';
import { versionDate } from '../../shared/library/version-words';
import { fitSize, STARTING } from '../../shared/render-room/catalogue';
import { lookLayers } from '../../shared/render-room/fit-look';
import {
  canRedo,
  canUndo,
  editStack,
  initialEditor,
  withFreshIds,
  type EditAction,
  type EditorState,
} from '../../shared/render-room/stack-edit';
import { decodeImage, saveFile, toRgba, type Rgba } from './image-io';
import {
  neuralDefsOf,
  newLayerId,
  outputSizeOf,
  renderWorkFull,
  versionStack,
} from './render-work';
import { EditRecorder } from './render-edit-events';
import { autoColorLayer, lookFromPair, lookFromReference, type LookResult } from './render-look';
import { renderPresets } from './render-presets.svelte';
import { noticeFor, PreviewScheduler } from './render-preview';
import { RenderDetail } from './render-detail.svelte';
import { renderView, type Framing } from './render-room-view.svelte';

const DRAFT_DELAY_MS = 250;

export interface RenderStatus {
  backend: 'webgpu' | 'wasm';
  adapter: string | null;
  ms: number;
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
  /** The frame the last paint replaced: the next preview is written into its pixels. */
  #retired: Rgba | null = null;
  /** Frames painted since the room opened (tests and the bench wait on it). */
  frames = $state(0);
  showBefore = $state(false);
  status = $state.raw<RenderStatus | null>(null);
  previewing = $state(false);
  /** A notice shown once per session when rendering fell back to the CPU. */
  cpuNotice = $state<string | null>(null);
  /** Full-size render progress (0–1), null when none runs. */
  fullProgress = $state<number | null>(null);
  neural = $state.raw<NeuralEffectInfo[]>([]);
  /** σ each Denoise on Auto found in the last preview, by layer id (its control says it in words). */
  noiseFound = $state.raw<Record<string, number>>({});
  look = $state.raw<LookResult | null>(null);
  learning = $state(false);
  /** Auto colour is predicting the gains. */
  autoColoring = $state(false);
  loading = $state(false);

  stack = $derived(this.editor.stack);
  /**
   * The stack as the image shows it: while the crop is being drawn, the whole straightened
   * picture (the crop and ratio off), so the artist sees what lies outside the crop.
   */
  viewStack = $derived.by((): EffectStack => {
    const stack = this.editor.stack;
    if (renderView.framing !== 'crop' || !stack.geometry) return stack;
    const geometry = uncroppedGeometry(stack.geometry);
    const { geometry: _g, ...rest } = stack;
    return geometry ? { ...rest, geometry } : rest;
  });
  /** The source framed like the image shown (what "before" shows: same crop, same turns). */
  before = $derived.by((): Rgba | null => {
    const source = this.source;
    if (!source) return null;
    const geometry = cleanGeometry(this.viewStack.geometry);
    return geometry ? toRgba(applyGeometry(source, geometry)) : source;
  });
  /** Installed neural effects as definitions (Upscale 2× carries its scale). */
  neuralDefs = $derived(neuralDefsOf(this.neural));
  /** What "Render full size" makes: the work's size times the stack's scale; null without a work. */
  output = $derived(this.work ? outputSizeOf(this.work, this.editor.stack, this.neuralDefs) : null);
  /** The size of what the image shows (the output, or the uncropped frame while cropping). */
  shownSize = $derived(this.work ? outputSizeOf(this.work, this.viewStack, this.neuralDefs) : null);
  canUndo = $derived(canUndo(this.editor));
  canRedo = $derived(canRedo(this.editor));

  #viewport = { width: 1024, height: 768 };
  #scale = 1;
  #previews = new PreviewScheduler({
    source: () => this.source,
    pixels: (source) => (this.#shared?.of === source ? this.#shared.pixels : source),
    stack: () => this.viewStack,
    preview: () => ({ sourceScale: this.#scale, box: this.#viewport }),
    spare: async () => {
      // Once the effects that showed it have re-run with the new frame (the histogram, the
      // navigator): after that nothing reads it.
      await tick();
      const retired = this.#retired;
      this.#retired = null;
      return retired?.data;
    },
    paint: (outcome) => {
      this.#retired = this.frame;
      this.frame = toRgba(outcome);
      this.frames += 1;
      if (this.#prefetchDue) {
        // The first frame is up: decode the full-size original for a zoom, off the critical path.
        this.#prefetchDue = false;
        setTimeout(() => this.zoomView.prefetch(), 250);
      }
      this.noiseFound = outcome.noise ?? {};
      this.#noteOutcome(outcome);
    },
    busy: (previewing) => (this.previewing = previewing),
  });
  /** The zoomed-in view's sharper render of the part in view (./render-detail.svelte.ts). */
  zoomView = new RenderDetail({
    original: () => {
      const work = this.work;
      if (!work) return null;
      return {
        key: work.originalBlobId,
        blob: () => getBlob(db, work.originalBlobId),
        width: work.width,
        height: work.height,
      };
    },
    stack: () => this.viewStack,
    previewScale: () => this.#scale,
    scales: () => !!this.output && this.output.factor !== 1,
    box: () => this.#viewport,
  });
  #prefetchDue = false;
  #draftTimer: ReturnType<typeof setTimeout> | undefined;
  #fullController: AbortController | null = null;
  #noticeShown = false;
  #recorder = new EditRecorder();
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
    this.#previews.stop();
    this.zoomView.clear();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    globalThis.removeEventListener?.('pagehide', this.#flushDraft);
    this.#started = false;
  }

  async refreshWorks(): Promise<void> {
    this.works = await listWorks(db);
  }

  /** The saved presets (kept in ./render-presets.svelte.ts). */
  get presets(): StoredPreset[] {
    return renderPresets.list;
  }

  refreshPresets(): Promise<void> {
    return renderPresets.refresh();
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
    this.#previews.abort();
    this.zoomView.reset();
    this.#prefetchDue = true;
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
      this.#retired = null;
      this.look = null;
      this.#recorder.reset();
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
    this.#recorder.record({ action, before, after, workId: this.work?.id });
    this.requestPreview();
    this.#scheduleDraft();
  }

  /** Sets the framing (crop, turns, flips, straighten); a drag's moves share one `gesture`. */
  setGeometry(geometry: Geometry | null, gesture?: string): void {
    this.dispatch({ type: 'set-geometry', geometry, ...(gesture ? { gesture } : {}) });
  }

  /** Starts or ends drawing the crop or the horizon on the image (the preview follows). */
  setFraming(framing: Framing | null): void {
    if (renderView.framing === framing) return;
    renderView.framing = framing;
    if (framing) {
      renderView.drawingMask = null;
      renderView.pickingWhite = false;
    }
    this.requestPreview();
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

  /** Adds layers an automatic step produced, as one undo step. */
  #addAutomatic(layers: StackEffect[], source: InterventionSource): void {
    this.#recorder.markAutomatic(layers, source);
    this.dispatch({ type: 'add', layers });
    this.#recorder.automaticDone(source);
  }

  /**
   * The white balance picker: makes the original's colour at (fx, fy) (fractions of the image)
   * neutral with a Temperature & tint layer first in the stack (the one already there, or a new
   * one), as one undoable step. Says in words when the point cannot be used.
   */
  pickWhiteBalance(fx: number, fy: number): boolean {
    const source = this.source;
    if (!source) return false;
    // The press is on the framed image: back to the original it shows.
    const at = outputFractionToSource(source, cleanGeometry(this.viewStack.geometry), fx, fy);
    const wb = whiteBalanceAt(source, at.x * source.width, at.y * source.height);
    if (!wb.ok) {
      toasts.push('info', whiteBalanceProblem(wb.reason));
      return false;
    }
    const params = { temperature: wb.temperature, tint: wb.tint };
    const effects = this.editor.stack.effects;
    const first = effects[0];
    const stack =
      first?.effectId === 'temperature'
        ? {
            ...this.editor.stack,
            effects: [
              { ...first, enabled: true, params: { ...first.params, ...params } },
              ...effects.slice(1),
            ],
          }
        : {
            ...this.editor.stack,
            effects: [
              { id: newLayerId(), effectId: 'temperature', enabled: true, params },
              ...effects,
            ],
          };
    this.dispatch({ type: 'replace', stack });
    if (!wb.reached) {
      toasts.push(
        'info',
        'That point has a stronger cast than Temperature & tint can remove; it went as far as the sliders go.',
      );
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Preview

  /** Asks for a preview of the current stack (latest wins). */
  requestPreview(): void {
    this.#previews.request();
    this.zoomView.refresh();
  }

  #noteOutcome(outcome: RenderOutcome): void {
    this.status = { backend: outcome.backend, adapter: outcome.adapter, ms: outcome.ms };
    if (this.#noticeShown) return;
    const notice = noticeFor(outcome);
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
    // Synchronous first (issue #20, defect 8): a reload within the debounce keeps the edit.
    if (this.work) mirrorDraft({ workId: this.work.id, stack: this.editor.stack });
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
      const result = await renderWorkFull({
        work,
        stack: this.editor.stack,
        signal: controller.signal,
        onProgress: (f) => (this.fullProgress = f),
        label: `Rendered ${versionDate(Date.now())}`,
      });
      const { version } = result;
      if (!result.reused) this.#noteOutcome(result.outcome);
      await this.#refreshVersions();
      await clearDraft(db, work.id);
      await saveDraft(db, { workId: work.id, stack: this.editor.stack, versionId: version.id });
      if (result.reused) {
        toasts.push(
          'info',
          `Already saved — this version of “${work.title}” exists (rendered ${versionDate(version.createdAt)}).`,
        );
      } else {
        toasts.push('success', `Saved a new version of “${work.title}”.`);
      }
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

  /** Saves the stack as a preset; false (the error shown) when that failed. */
  savePreset(name: string): Promise<boolean> {
    return renderPresets.save(name, this.editor.stack);
  }

  async applyPreset(id: string): Promise<void> {
    try {
      const preset = await getPreset(db, id);
      // A preset is a look: the work keeps its own framing.
      const look = withFreshIds(preset.stack, newLayerId);
      const geometry = this.editor.stack.geometry;
      this.dispatch({ type: 'replace', stack: geometry ? { ...look, geometry } : look });
    } catch (error) {
      handleError(error, 'Applying the preset');
    }
  }

  renamePreset(id: string, name: string): Promise<boolean> {
    return renderPresets.rename(id, name);
  }

  deletePreset(id: string): Promise<void> {
    return renderPresets.delete(id);
  }

  // ---------------------------------------------------------------------------------------
  // Learn a look

  /** Fits a matrix and a tone curve taking `beforeId`'s image to `afterId`'s, adds them. */
  async learnFromPair(beforeId: string, afterId: string): Promise<void> {
    await this.#learn(() => lookFromPair(beforeId, afterId));
  }

  /** Transfers `referenceId`'s colour statistics (Reinhard, CIELAB) to the open work. */
  async learnFromReference(referenceId: string): Promise<void> {
    const source = this.source;
    if (!source) return;
    await this.#learn(() => lookFromReference(source, referenceId));
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
      this.#addAutomatic([await autoColorLayer(source)], 'auto-colour');
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
