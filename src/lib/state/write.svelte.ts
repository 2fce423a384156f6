/**
 * The Write room's state: which work and generator, the parameters, the model (bundled from
 * models/manifest.json, or imported / downloaded ones from IndexedDB), the streaming output, the
 * grounded draft beside it, and keep / discard. Errors go to `handleError`; a stop is not one.
 */
import type { Work } from '../db/schema';
import { db } from '../db/instance';
import {
  addWork,
  getLatestImage,
  getThumbBlob,
  getWork,
  listWorks,
  setWorkText,
  type NewWork,
} from '../db/works';
import { track } from '../db/events';
import { onLibraryEvent } from '../db/library-events';
import { getTextModelFiles, listTextModels, type StoredTextModel } from '../db/text-models';
import {
  analyzeImage,
  generateText,
  loadTextModel,
  stopText,
  textClient,
  type GenerateResult,
  type LoadOutcome,
  type ModelSource,
} from '../compute/text-client';
import { handleError } from '../errors/handle-error';
import { computeStatus } from './compute-status.svelte';
import { settings } from './settings.svelte';
import type { ImageAnalysis } from '../../shared/write/analysis';
import {
  finishText,
  generatorById,
  GENERATORS,
  groundedDraft,
  type GeneratorId,
  type WriteContext,
} from '../../shared/write/generators';
import { bundledTextModel, type BundledTextModel } from '../../shared/write/model-files';
import { clampParams, DEFAULT_PARAMS, type GenerationParams } from '../../shared/write/params';
import { buildPrompt } from '../../shared/write/prompt';
import { TextError } from '../../shared/errors/text';

const MODEL_KEY = 'atelier.write.model';

/** A model the room can use, whatever its origin. */
export interface ModelOption {
  key: string;
  name: string;
  source: 'bundled' | 'imported' | 'downloaded';
  licence: string;
  bytes: number;
  stored?: StoredTextModel;
  bundled?: BundledTextModel;
}

export type ModelStatus = 'none' | 'idle' | 'loading' | 'ready' | 'error';

function effectNames(stack: unknown): string[] {
  const list = Array.isArray(stack)
    ? stack
    : stack && typeof stack === 'object' && Array.isArray((stack as { effects?: unknown }).effects)
      ? (stack as { effects: unknown[] }).effects
      : [];
  return list
    .map((e) =>
      e && typeof e === 'object'
        ? String(
            (e as { name?: unknown; id?: unknown; type?: unknown }).name ??
              (e as { id?: unknown }).id ??
              '',
          )
        : '',
    )
    .filter(Boolean);
}

class WriteState {
  works = $state<Work[]>([]);
  workId = $state<string | null>(null);
  work = $state<Work | null>(null);
  thumbUrl = $state<string | null>(null);
  analysis = $state<ImageAnalysis | null>(null);
  effects = $state<string[]>([]);
  analysing = $state(false);

  generator = $state<GeneratorId>('alt');
  params = $state<GenerationParams>({
    ...DEFAULT_PARAMS,
    maxNewTokens: generatorById('alt').maxNewTokens,
  });
  notes = $state('');

  models = $state<ModelOption[]>([]);
  modelKey = $state<string | null>(null);
  modelsLoaded = $state(false);
  modelStatus = $state<ModelStatus>('none');
  modelProgress = $state<number | null>(null);
  loaded = $state<LoadOutcome | null>(null);
  modelError = $state<string | null>(null);

  generating = $state(false);
  stopping = $state(false);
  output = $state('');
  result = $state<GenerateResult | null>(null);
  /** What the person edits and keeps: the model's text, or the grounded draft. */
  editText = $state('');
  /** Where editText came from, to tell an edit (a manual intervention) from a plain keep. */
  editOrigin = $state<{ kind: 'model' | 'draft'; text: string } | null>(null);
  savedAt = $state<number | null>(null);

  context = $derived<WriteContext>({
    title: this.work?.title ?? '',
    tags: this.work?.tags ?? [],
    effects: this.effects,
    analysis: this.analysis,
    notes: this.notes,
  });
  draft = $derived(groundedDraft(this.generator, this.context));
  model = $derived(this.models.find((m) => m.key === this.modelKey) ?? null);

  #unsubscribe: (() => void) | undefined;
  #generateAbort: AbortController | undefined;
  #recorded = false;
  #kept = false;

  /** Loads works and models; call when the room opens. */
  async open(): Promise<void> {
    this.#unsubscribe ??= onLibraryEvent(() => void this.refreshWorks());
    await Promise.all([this.refreshWorks(), this.refreshModels()]);
  }

  async refreshWorks(): Promise<void> {
    try {
      this.works = await listWorks(db);
      if (this.workId && !this.works.some((w) => w.id === this.workId)) await this.pickWork(null);
      else if (this.workId) this.work = await getWork(db, this.workId);
    } catch (error) {
      handleError(error, 'Reading the library');
    }
  }

  async pickWork(id: string | null): Promise<void> {
    this.workId = id;
    this.work = null;
    this.analysis = null;
    this.effects = [];
    if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl);
    this.thumbUrl = null;
    this.clearOutput();
    if (!id) return;
    try {
      this.work = await getWork(db, id);
      this.thumbUrl = URL.createObjectURL(await getThumbBlob(db, id));
      const versions = await db.versions.where('workId').equals(id).sortBy('createdAt');
      this.effects = effectNames(versions.at(-1)?.stack);
      this.analysing = true;
      const latest = await getLatestImage(db, id);
      const analysis = await analyzeImage(latest.blob);
      if (this.workId === id) this.analysis = analysis;
    } catch (error) {
      handleError(error, 'Reading the work');
    } finally {
      this.analysing = false;
    }
  }

  pickGenerator(id: GeneratorId): void {
    if (this.generating) return;
    this.generator = id;
    this.params = { ...this.params, maxNewTokens: generatorById(id).maxNewTokens };
    this.clearOutput();
  }

  setParams(input: Partial<Record<keyof GenerationParams, unknown>>): void {
    this.params = clampParams({ ...this.params, ...input });
  }

  async refreshModels(): Promise<void> {
    const options: ModelOption[] = [];
    try {
      const res = await fetch('/models/manifest.json');
      if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
        const bundled = bundledTextModel(await res.json());
        if (bundled) {
          options.push({
            key: `bundled:${bundled.id}`,
            name: bundled.name,
            source: 'bundled',
            licence: bundled.licence,
            bytes: bundled.bytes,
            bundled,
          });
        }
      }
    } catch {
      // No manifest (or offline before it was cached): no bundled model; stored ones still work.
    }
    try {
      for (const m of await listTextModels(db)) {
        options.push({
          key: `stored:${m.id}`,
          name: m.name,
          source: m.source,
          licence: m.licence,
          bytes: m.bytes,
          stored: m,
        });
      }
    } catch (error) {
      handleError(error, 'Reading your models');
    }
    this.models = options;
    this.modelsLoaded = true;
    const remembered = globalThis.localStorage?.getItem(MODEL_KEY);
    const keep =
      options.find((o) => o.key === this.modelKey) ?? options.find((o) => o.key === remembered);
    const next = keep ?? options[0] ?? null;
    if (next?.key !== this.modelKey || !next) {
      this.modelKey = next?.key ?? null;
      this.loaded = null;
      this.modelStatus = next ? 'idle' : 'none';
    }
  }

  pickModel(key: string): void {
    if (this.generating || key === this.modelKey) return;
    this.modelKey = key;
    this.loaded = null;
    this.modelError = null;
    this.modelStatus = 'idle';
    try {
      globalThis.localStorage?.setItem(MODEL_KEY, key);
    } catch {
      // not remembered; fine
    }
  }

  async sourceOf(option: ModelOption): Promise<ModelSource> {
    if (option.bundled) {
      return {
        key: option.key,
        folder: option.bundled.folder,
        listed: option.bundled.files.map((f) => f.path),
      };
    }
    const stored = option.stored!;
    return {
      key: option.key,
      folder: `stored-${stored.id}`,
      files: await getTextModelFiles(db, stored.id),
    };
  }

  /** Loads the chosen model (once). Returns false when there is none or it failed. */
  async ensureModel(): Promise<boolean> {
    const option = this.model;
    if (!option) {
      this.modelStatus = 'none';
      return false;
    }
    // Always ask the worker: loading the model it holds is free, and a worker that was replaced
    // (idle shutdown, a cancelled call, a failed import check) loads it again.
    const wasReady = this.modelStatus === 'ready' && this.loaded?.key === option.key;
    const fellBack = wasReady && !!this.loaded?.fallbackReason;
    if (!wasReady) this.modelStatus = 'loading';
    this.modelError = null;
    this.modelProgress = null;
    try {
      const source = await this.sourceOf(option);
      const loaded = await loadTextModel({
        source,
        preference: fellBack ? 'wasm' : settings.backend,
        probe: computeStatus.textProbe,
        onProgress: ({ loaded, total }) => {
          this.modelProgress = total ? loaded / total : null;
        },
      });
      if (this.modelKey !== option.key) return false;
      this.loaded = fellBack ? { ...loaded, fallbackReason: this.loaded!.fallbackReason! } : loaded;
      this.modelStatus = 'ready';
      return true;
    } catch (error) {
      this.modelStatus = 'error';
      this.modelError = handleError(error, `Loading ${option.name}`);
      return false;
    }
  }

  clearOutput(): void {
    this.output = '';
    this.result = null;
    this.editText = '';
    this.editOrigin = null;
    this.savedAt = null;
    this.#recorded = false;
    this.#kept = false;
  }

  /** Generates with the chosen generator; streams into `output`. */
  async generate(): Promise<void> {
    if (this.generating) return;
    this.generating = true;
    this.clearOutput();
    try {
      if (!(await this.ensureModel())) return;
      const def = generatorById(this.generator);
      const abort = new AbortController();
      this.#generateAbort = abort;
      // Plain copies: Svelte state proxies cannot be posted to a worker (DataCloneError).
      const result = await generateText({
        prompt: buildPrompt(def.id, $state.snapshot(this.context) as WriteContext),
        params: $state.snapshot(this.params),
        onText: (piece) => {
          this.output += piece;
        },
        signal: abort.signal,
      });
      this.result = result;
      // A text is counted when it is written; keeping it is counted apart (text.kept).
      this.#record();
      this.output = result.text;
      this.editText = finishText(def, result.text);
      this.editOrigin = { kind: 'model', text: this.editText };
    } catch (error) {
      handleError(error, 'Generating');
      // A crashed or aborted worker lost its model: load again next time.
      if (!(error instanceof TextError)) this.modelStatus = this.model ? 'idle' : 'none';
    } finally {
      this.generating = false;
      this.stopping = false;
      this.#generateAbort = undefined;
    }
  }

  /** Stops the running generation within a token; what was streamed stays. */
  async stop(): Promise<void> {
    if (!this.generating) return;
    this.stopping = true;
    try {
      await stopText();
    } catch (error) {
      // The worker did not answer: cancel the call (the worker is replaced).
      this.#generateAbort?.abort();
      handleError(error, 'Stopping');
    }
  }

  useDraft(): void {
    this.editText = this.draft;
    this.editOrigin = { kind: 'draft', text: this.draft };
    this.savedAt = null;
  }

  /** Keeps the edited text on the work under the generator's key. */
  async keep(): Promise<void> {
    const work = this.work;
    const text = this.editText.trim();
    if (!work || !text) return;
    try {
      this.work = await setWorkText(db, work.id, this.generator, text);
      this.savedAt = Date.now();
      this.#recordKept(work.id);
      if (this.editOrigin && this.editOrigin.text.trim() !== text) {
        track({ type: 'intervention', workId: work.id, after: 'generated-text', action: 'edited' });
      }
      this.editOrigin = { kind: this.editOrigin?.kind ?? 'model', text };
    } catch (error) {
      handleError(error, 'Keeping the text');
    }
  }

  discard(): void {
    this.clearOutput();
  }

  /** Counts a written text as kept, once per text (a draft kept by hand is not a written text). */
  #recordKept(workId: string): void {
    if (!this.result || !this.loaded || this.#kept || this.editOrigin?.kind !== 'model') return;
    this.#kept = true;
    track({
      type: 'text.kept',
      workId,
      model: this.model?.name ?? this.loaded.key,
      generator: this.generator,
    });
  }

  #record(): void {
    const r = this.result;
    if (!r || !this.loaded || this.#recorded) return;
    this.#recorded = true;
    track({
      type: 'text.generated',
      ...(this.work ? { workId: this.work.id } : {}),
      model: this.model?.name ?? this.loaded.key,
      generator: this.generator,
      tokens: r.tokens,
      ttftMs: r.firstTokenMs,
      tokensPerSecond: Math.round(r.tokensPerSecond * 10) / 10,
      kept: false,
    });
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}

export const write = new WriteState();
export { GENERATORS };

// A typed hook for e2e tests and benchmarks, only when the test harness asks for it.
try {
  if (globalThis.localStorage?.getItem('atelier.testHooks') === '1') {
    (globalThis as { __atelierWrite?: unknown }).__atelierWrite = {
      write,
      addWork: (input: NewWork) => addWork(db, input),
      getWork: (id: string) => getWork(db, id),
      /** Benchmarks: the worker client and the chosen model's source, to load it on a set backend. */
      textClient,
      source: async () => (write.model ? write.sourceOf(write.model) : null),
    };
  }
} catch {
  // no localStorage: no hook
}
