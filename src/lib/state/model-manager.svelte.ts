/**
 * The Write room's model manager: import a model folder from disk (checked by loading it once
 * before anything is stored), delete a stored model, and download one from the catalogue — the
 * room's only network use, and only when the person allows downloads and asks.
 */
import { addTextModel, deleteTextModel } from '../db/text-models';
import { db } from '../db/instance';
import { loadTextModel } from '../compute/text-client';
import { errorDetails, handleError } from '../errors/handle-error';
import { hasCode } from '../../shared/errors/base';
import { computeStatus } from './compute-status.svelte';
import { settings } from './settings.svelte';
import { write } from './write.svelte';
import { checkModelFolder, relativeModelPaths } from '../../shared/write/model-files';
import {
  cacheParts,
  catalogueEntry,
  downloadModel,
  forgetParts,
  memoryParts,
  planDownload,
  type DownloadPlan,
  type PartsStore,
} from '../../shared/write/download';

/** Parts of interrupted downloads: Cache Storage (survives a reload), else this page's memory. */
let partsStore: PartsStore | undefined;
const parts = (): PartsStore =>
  (partsStore ??= typeof caches === 'undefined' ? memoryParts() : cacheParts());

class ModelManagerState {
  importing = $state<string | null>(null);
  downloadsAllowed = $state(false);
  plan = $state<DownloadPlan | null>(null);
  downloading = $state<{ id: string; done: number; total: number } | null>(null);
  #downloadAbort: AbortController | undefined;

  /**
   * Imports a model folder picked from disk: checks its files, loads it once (so a corrupt ONNX
   * or a mismatched tokenizer is refused before anything is stored), then keeps it.
   * Returns the reason it was refused (plain words; the runtime's own text as `details`), or null.
   */
  async importFolder(picked: File[]): Promise<{ message: string; details?: string } | null> {
    if (write.generating || this.importing)
      return { message: 'Wait for the current task to finish.' };
    const paths = picked.map((f) => {
      const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
      return rel.includes('/') || !f.name.endsWith('.onnx') ? rel : `onnx/${rel}`;
    });
    const map = relativeModelPaths(paths);
    const byPath = new Map(paths.map((p, i) => [p, picked[i]!]));
    const files: Record<string, Blob> = {};
    for (const [rel, original] of map) {
      if (/\.(json|onnx|onnx_data|txt|md)$/i.test(rel)) files[rel] = byPath.get(original)!;
    }
    const check = checkModelFolder(Object.keys(files));
    if (!check.ok) return { message: check.reason ?? 'The folder is not a model.' };
    const first = paths[0] ?? 'model';
    const name =
      first.includes('/') && !first.startsWith('onnx/') ? first.split('/')[0]! : 'Imported model';
    this.importing = name;
    try {
      const licence = await readLicence(files);
      await loadTextModel({
        source: { key: `import-check:${Date.now()}`, folder: `import-check-${Date.now()}`, files },
        preference: settings.backend,
        probe: computeStatus.textProbe,
      });
      const stored = await addTextModel(db, { name, source: 'imported', licence, files });
      write.loaded = null;
      await write.refreshModels();
      write.pickModel(`stored:${stored.id}`);
      return null;
    } catch (error) {
      const message = handleError(error, `Importing ${name}`) ?? 'The import was cancelled.';
      const details = errorDetails(error);
      return details ? { message, details } : { message };
    } finally {
      this.importing = null;
    }
  }

  async deleteModel(key: string): Promise<void> {
    const option = write.models.find((m) => m.key === key);
    if (!option?.stored || write.generating) return;
    try {
      await deleteTextModel(db, option.stored.id);
      if (write.modelKey === key) {
        write.modelKey = null;
        write.loaded = null;
      }
      await write.refreshModels();
    } catch (error) {
      handleError(error, `Deleting ${option.name}`);
    }
  }

  /** The exact size from the pins, what an earlier attempt kept, and free space (no network). */
  async planModelDownload(id: string): Promise<void> {
    this.plan = null;
    try {
      this.plan = await planDownload(catalogueEntry(id), {
        fetch: globalThis.fetch.bind(globalThis),
        online: navigator.onLine,
        parts: parts(),
        freeBytes: async () => {
          const e = await navigator.storage?.estimate?.();
          return e?.quota !== undefined && e.usage !== undefined ? e.quota - e.usage : undefined;
        },
      });
    } catch (error) {
      handleError(error, 'Checking the download');
    }
  }

  async downloadPlanned(): Promise<void> {
    const plan = this.plan;
    if (!plan || this.downloading) return;
    const abort = new AbortController();
    this.#downloadAbort = abort;
    this.downloading = { id: plan.entry.id, done: 0, total: plan.totalBytes };
    try {
      const model = await downloadModel(plan, {
        fetch: globalThis.fetch.bind(globalThis),
        online: navigator.onLine,
        signal: abort.signal,
        parts: parts(),
        onProgress: (done, total) => {
          this.downloading = { id: plan.entry.id, done, total };
        },
      });
      // Loaded once before it is stored, as an imported folder is: a model that cannot run here
      // is refused now rather than failing later, offline.
      this.downloading = { id: plan.entry.id, done: plan.totalBytes, total: plan.totalBytes };
      await loadTextModel({
        source: {
          key: `download-check:${Date.now()}`,
          folder: `download-check-${Date.now()}`,
          files: model.files,
        },
        preference: settings.backend,
        probe: computeStatus.textProbe,
      });
      const stored = await addTextModel(db, {
        name: plan.entry.name,
        source: 'downloaded',
        licence: plan.entry.licence,
        files: model.files,
        sha256: model.sha256,
        catalogueId: plan.entry.id,
      });
      await forgetParts(plan, parts()).catch(() => undefined);
      this.plan = null;
      await write.refreshModels();
      write.pickModel(`stored:${stored.id}`);
    } catch (error) {
      handleError(error, `Downloading ${plan.entry.name}`);
      // A file that is not the pinned one casts doubt on the source: keep none of its parts.
      if (hasCode(error) && error.code === 'download-integrity')
        await forgetParts(plan, parts()).catch(() => undefined);
      // What an interrupted attempt kept shows in the next plan ("… already here").
      if (navigator.onLine) await this.planModelDownload(plan.entry.id);
    } finally {
      this.downloading = null;
      this.#downloadAbort = undefined;
    }
  }

  cancelDownload(): void {
    this.#downloadAbort?.abort();
  }
}

/** The licence a model card (README.md front matter) or config declares, if any. */
async function readLicence(files: Record<string, Blob>): Promise<string> {
  const readme = files['README.md'];
  if (readme && readme.size < 1_000_000) {
    const m = /^licen[cs]e:\s*(.+)$/im.exec(await readme.text());
    if (m) return m[1]!.trim();
  }
  return 'unknown (see the model card)';
}

export const modelManager = new ModelManagerState();
