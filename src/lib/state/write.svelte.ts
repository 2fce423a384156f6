/**
 * The Write room's state: which work and generator, the parameters, the model (bundled from
 * models/manifest.json, or imported / downloaded ones from IndexedDB), the streaming output, the
 * grounded draft beside it, and keep / discard. Errors go to `handleError`; a stop is not one.
 */
import type { Work } from '../db/schema';
import { db } from '../db/instance';
import {
  addWork,
  getOriginalBlob,
  getThumbBlob,
  getWork,
  listWorks,
  setWorkText,
  type NewWork,
} from '../db/works';
import { flushEvents, track } from '../db/events';
import { onLibraryEvent } from '../db/library-events';
import { getTextModelFiles, listTextModels, type StoredTextModel } from '../db/text-models';
import {
  analyzeImage,
  checkModelText,
  draftText,
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
  type GeneratorId,
  type WriteContext,
} from '../../shared/write/generators';
import type { DraftSet } from '../../shared/write/drafts';
import { effectWords } from '../../shared/write/effect-words';
import type { TextCheck } from '../../shared/write/quality';
import { factWords, gateFor, type GateVerdict } from '../../shared/write/gate';
import { bundledTextModel, type BundledTextModel } from '../../shared/write/model-files';
import { clampParams, DEFAULT_PARAMS, type GenerationParams } from '../../shared/write/params';
import { buildPrompt } from '../../shared/write/prompt';
import { TextError } from '../../shared/errors/text';

const MODEL_KEY = 'atelier.write.model';
const WORK_KEY = 'atelier.write.work';

function remember(key: string, value: string | null): void {
  try {
    if (value) globalThis.localStorage?.setItem(key, value);
    else globalThis.localStorage?.removeItem(key);
  } catch {
    // not remembered; fine
  }
}

/** The work named in the hash (`#/write/<id>`, from the Library's "Write about this"). */
function workFromHash(): string | null {
  const m = /^#\/?write\/([^/?]+)/.exec(globalThis.location?.hash ?? '');
  return m ? decodeURIComponent(m[1]!) : null;
}

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
  /** The model text's quality check; a text that fails it never goes into the box. */
  check = $state<TextCheck | null>(null);
  /** What the person edits and keeps: a draft (the default), or a model's text that passed. */
  editText = $state('');
  /** Where editText came from, to tell an edit (a manual intervention) from a plain keep. */
  editOrigin = $state<{ kind: 'model' | 'draft'; text: string } | null>(null);
  savedAt = $state<number | null>(null);

  drafts = $state<DraftSet | null>(null);
  draftIndex = $state(0);
  drafting = $state(false);
  /** Poems: a rhymed quatrain instead of a haiku. */
  rhyme = $state(false);

  context = $derived<WriteContext>({
    title: this.work?.title ?? '',
    tags: this.work?.tags ?? [],
    effects: this.effects,
    analysis: this.analysis,
    notes: this.notes,
  });
  draft = $derived(this.drafts?.candidates[this.draftIndex] ?? '');
  model = $derived(this.models.find((m) => m.key === this.modelKey) ?? null);
  /** The chosen model's quality-gate verdict for the current task. */
  verdict = $derived<GateVerdict>(gateFor(this.model, this.generator));

  #unsubscribe: (() => void) | undefined;
  #generateAbort: AbortController | undefined;
  #draftRequest = 0;
  #drafted = new Set<string>();

  /** Loads works and models, and opens the work the room had (or the one the hash names). */
  async open(): Promise<void> {
    this.#unsubscribe ??= onLibraryEvent(() => void this.refreshWorks());
    await Promise.all([this.refreshWorks(), this.refreshModels()]);
    let wanted = workFromHash();
    if (!wanted) {
      try {
        wanted = globalThis.localStorage?.getItem(WORK_KEY) ?? null;
      } catch {
        wanted = null;
      }
    }
    if (wanted && wanted !== this.workId && this.works.some((w) => w.id === wanted)) {
      await this.pickWork(wanted);
    }
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
    this.notes = '';
    this.drafts = null;
    if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl);
    this.thumbUrl = null;
    this.clearOutput();
    remember(WORK_KEY, id);
    if (!id) return;
    try {
      this.work = await getWork(db, id);
      this.notes = this.work.texts?.notes ?? '';
      this.thumbUrl = URL.createObjectURL(await getThumbBlob(db, id));
      const versions = await db.versions.where('workId').equals(id).sortBy('createdAt');
      this.effects = effectWords(versions.at(-1)?.stack);
      this.analysing = true;
      // The original, not a render: a vignette or a grade must not change what the work shows.
      const analysis = await analyzeImage(await getOriginalBlob(db, id));
      if (this.workId === id) this.analysis = analysis;
    } catch (error) {
      handleError(error, 'Reading the work');
    } finally {
      this.analysing = false;
    }
    if (this.workId === id) await this.refreshDraft();
  }

  pickGenerator(id: GeneratorId): void {
    if (this.generating) return;
    this.generator = id;
    this.params = { ...this.params, maxNewTokens: generatorById(id).maxNewTokens };
    this.clearOutput();
    void this.refreshDraft();
  }

  /** Composes the drafts for the work and task (in the worker) and puts the first in the box. */
  async refreshDraft(): Promise<void> {
    const work = this.work;
    if (!work) {
      this.drafts = null;
      return;
    }
    const request = ++this.#draftRequest;
    this.drafting = true;
    try {
      const set = await draftText({
        task: this.generator,
        key: work.id,
        input: {
          title: work.title,
          tags: [...work.tags],
          effects: [...this.effects],
          analysis: $state.snapshot(this.analysis),
          notes: this.notes,
        },
        ...(this.rhyme ? { rhyme: true } : {}),
      });
      if (request !== this.#draftRequest) return;
      this.drafts = set;
      this.draftIndex = 0;
      this.#offerDraft();
    } catch (error) {
      handleError(error, 'Writing a draft');
    } finally {
      if (request === this.#draftRequest) this.drafting = false;
    }
  }

  /** The next draft candidate ("Another"). */
  another(): void {
    const n = this.drafts?.candidates.length ?? 0;
    if (!n) return;
    this.draftIndex = (this.draftIndex + 1) % n;
    this.#offerDraft(true);
  }

  /** Puts the current draft in the box unless the person is editing something else there. */
  #offerDraft(force = false): void {
    const text = this.draft;
    if (!text) return;
    const untouched =
      !this.editOrigin ||
      (this.editOrigin.kind === 'draft' && this.editOrigin.text === this.editText);
    if (!force && !untouched) return;
    this.editText = text;
    this.editOrigin = { kind: 'draft', text };
    this.savedAt = null;
    const key = `${this.workId}:${this.generator}:${text}`;
    if (this.#drafted.has(key)) return;
    this.#drafted.add(key);
    track({
      type: 'text.drafted',
      ...(this.work ? { workId: this.work.id } : {}),
      generator: this.generator,
    });
  }

  setRhyme(on: boolean): void {
    this.rhyme = on;
    void this.refreshDraft();
  }

  /** Keeps the artist's notes on the work (they feed every draft) and redrafts. */
  async saveNotes(): Promise<void> {
    const work = this.work;
    if (!work) return;
    const notes = this.notes.trim();
    if ((work.texts?.notes ?? '') !== notes) {
      try {
        this.work = await setWorkText(db, work.id, 'notes', notes);
      } catch (error) {
        handleError(error, 'Keeping your notes');
        return;
      }
    }
    await this.refreshDraft();
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
    this.check = null;
    this.editText = '';
    this.editOrigin = null;
    this.savedAt = null;
  }

  /** Generates with the chosen generator; streams into `output`. */
  async generate(): Promise<void> {
    if (this.generating) return;
    this.generating = true;
    this.output = '';
    this.result = null;
    this.check = null;
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
      this.output = result.text;
      const text = finishText(def, result.text);
      const check = await checkModelText(
        def.id,
        text,
        factWords($state.snapshot(this.context) as WriteContext),
      );
      this.check = check;
      this.#recordGenerated(result, check.ok);
      // Only a text that passed the check, from a model that passed the gate for this task, goes
      // into the box; any other stays beside it until the person asks for it.
      if (check.ok && this.verdict.status === 'passed') {
        this.editText = text;
        this.editOrigin = { kind: 'model', text };
      } else {
        this.#offerDraft(true);
      }
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
    this.#offerDraft(true);
  }

  /** Puts the model's text in the box on the person's own request (even one that failed). */
  useModelText(): void {
    const text = finishText(generatorById(this.generator), this.output);
    if (!text) return;
    this.editText = text;
    this.editOrigin = { kind: 'model', text };
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
      const edited = !!this.editOrigin && this.editOrigin.text.trim() !== text;
      track({
        type: 'text.kept',
        workId: work.id,
        generator: this.generator,
        origin: this.editOrigin?.kind ?? 'own',
        edited,
        ...(this.editOrigin?.kind === 'model' && this.loaded
          ? { model: this.model?.name ?? this.loaded.key }
          : {}),
      });
      if (edited) {
        track({ type: 'intervention', workId: work.id, after: 'generated-text', action: 'edited' });
      }
      this.editOrigin = { kind: this.editOrigin?.kind ?? 'model', text };
    } catch (error) {
      handleError(error, 'Keeping the text');
    }
  }

  /** Drops the model's text; the draft goes back in the box. */
  discard(): void {
    this.output = '';
    this.result = null;
    this.check = null;
    this.editOrigin = null;
    this.#offerDraft(true);
  }

  #recordGenerated(r: GenerateResult, passed: boolean): void {
    track({
      type: 'text.generated',
      ...(this.work ? { workId: this.work.id } : {}),
      model: this.model?.name ?? this.loaded?.key ?? 'model',
      ...(this.loaded ? { backend: this.loaded.backend } : {}),
      generator: this.generator,
      tokens: r.tokens,
      ttftMs: r.firstTokenMs,
      tokensPerSecond: Math.round(r.tokensPerSecond * 10) / 10,
      passed,
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
      /** The Write room's Insights events so far, by type (written to IndexedDB first). */
      textEvents: async () => {
        await flushEvents();
        const counts: Record<string, number> = {};
        for (const row of await db.events.toArray())
          if (row.type.startsWith('text.')) counts[row.type] = (counts[row.type] ?? 0) + 1;
        return counts;
      },
    };
  }
} catch {
  // no localStorage: no hook
}
