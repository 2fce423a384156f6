/**
 * The Library room's state: the works, the gallery's search and sort, imports in progress with
 * per-file results, delete with undo, export, backup and restore, the storage meter and the
 * reminders. Pixels and bytes go to the image worker; rows go through src/lib/db. Errors reach
 * the person through handleError (or, for imports, as per-file results), never silently.
 */
import { hasCode, isAbortError } from '../../shared/errors/base';
import {
  matches,
  NO_FILTER,
  passes,
  sortWorks,
  type GalleryFilter,
  type SortKey,
} from '../../shared/library/gallery';
import { exportFileName, titleFromFileName } from '../../shared/library/text';
import { checkSettings, type ExportSettings } from '../../shared/library/export-presets';
import { batchFiles, encodeExport, zipExports } from './library-export';
import { track } from '../db/events';
import { imageClient } from '../compute/image-client';
import {
  collectBackup,
  deleteSafetyBackup,
  getSafetyBackup,
  markBackedUp,
  restoreBackup,
  type RestoreCounts,
  type SafetyBackup,
} from '../db/backup';
import { planRestore, type RestorePlan } from '../db/restore-plan';
import type { BackupManifest } from '../../shared/library/backup-format';
import { db } from '../db/instance';
import { onLibraryEvent } from '../db/library-events';
import type { Album, Version, Work, WorkFlag } from '../../shared/library/work';
import type { TrainingChoice } from '../../shared/provenance/manifest';
import {
  createAlbum,
  deleteAlbum,
  listAlbums,
  setFlag,
  setInAlbum,
  setRating,
  setWorkTraining,
} from '../db/organise';
import {
  backupReminderDue,
  getMeta,
  META_PERSIST_ASKED,
  reminderFacts,
  requestPersistence,
  storageInfo,
  watchDatabase,
  type StorageInfo,
} from '../db/storage';
import {
  addVersion,
  addWork,
  deleteWork,
  getOriginalBlob,
  listVersions,
  listWorks,
  purgeDeleted,
  renameWork,
  setTags,
  undeleteWork,
  type NewVersion,
  type NewWork,
} from '../db/works';
import { handleError } from '../errors/handle-error';
import { pwa } from '../pwa/pwa.svelte';
import {
  libraryMatters,
  storageAdvice,
  type StorageAdvice,
} from '../../shared/library/storage-advice';
import { toasts } from './toasts.svelte';

/** How long a deleted work can be brought back. */
export const UNDO_MS = 10_000;
/** Files imported at once (decoding one while hashing or writing another). */
export const IMPORT_CONCURRENCY = 2;
export type { RestorePlan, SortKey, StorageInfo };
const AUTHOR_KEY = 'atelier.library.author';

/** One organising change to a work. */
export type OrganiseChange =
  | { rating: number }
  | { flag: WorkFlag | null }
  | { albumId: string; inAlbum: boolean }
  /** The work's own AI training choice; null: the artist's default. */
  | { training: TrainingChoice | null };

export interface FileResult {
  name: string;
  ok: boolean;
  /** Why it failed (names the file), or the saved title. */
  message: string;
  code?: string;
  workId?: string;
}

export interface ImportRun {
  total: number;
  done: number;
  current: string;
  results: FileResult[];
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

class Library {
  works = $state.raw<Work[]>([]);
  loaded = $state(false);
  query = $state('');
  sort = $state<SortKey>('newest');
  filter = $state<GalleryFilter>({ ...NO_FILTER });
  albums = $state.raw<Album[]>([]);
  visible = $derived(
    sortWorks(
      this.works.filter((w) => matches(w, this.query) && passes(w, this.filter)),
      this.sort,
    ),
  );
  importRun = $state<ImportRun | null>(null);
  storage = $state<StorageInfo>({ usage: null, quota: null, persisted: null });
  /**
   * Set when the browser declined persistent storage asked for once the library mattered (the
   * first import's answer is not news: see src/shared/library/storage-advice).
   */
  persistRefused = $state(false);
  reminderDue = $state(false);
  /** The last backup holds every change since. */
  backedUp = $state(false);
  /** What to say about the storage now (one sentence and an action), or null. */
  advice: StorageAdvice | null = $derived(
    storageAdvice({
      persisted: this.storage.persisted,
      works: this.works.length,
      bytes: this.works.reduce((sum, w) => sum + (w.bytes || 0), 0),
      refused: this.persistRefused,
      backedUp: this.backedUp,
      canInstall: pwa.canInstall,
    }),
  );
  /** Another tab upgraded the database: this tab must reload. */
  outdated = $state<string | null>(null);
  pendingDelete = $state<{ id: string; title: string } | null>(null);
  busy = $state<'backup' | 'restore' | 'export' | null>(null);
  /** A restore under way: reading the file (no total yet), then rows written of all. */
  restoreProgress = $state<{ done: number; total: number } | null>(null);
  #restoreAbort: AbortController | undefined;
  /** A backup read and checked, waiting for the artist's Merge, Replace or Cancel. */
  restorePlan = $state.raw<{ name: string; plan: RestorePlan } | null>(null);
  #pending:
    | { manifest: BackupManifest; blobs: Map<string, Blob>; leftOut: { reason: string }[] }
    | undefined;
  /** The backup a Replace kept of the library as it was (downloadable until deleted). */
  safetyBackup = $state.raw<SafetyBackup | null>(null);
  author = $state('');

  #started = false;
  #persistAsked = true;
  #persistAskedAgain = false;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #undoTimer: ReturnType<typeof setTimeout> | undefined;

  /** Loads the works and starts listening; safe to call more than once. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      this.author = localStorage.getItem(AUTHOR_KEY) ?? '';
    } catch {
      // storage disabled: no remembered author
    }
    watchDatabase(db, {
      onOutdated: (error) => (this.outdated = error.message),
      onBlocked: () =>
        toasts.push('info', 'Close other Atelier tabs so this one can update its storage.'),
    });
    onLibraryEvent(() => this.#scheduleRefresh());
    try {
      await purgeDeleted(db, Date.now() - UNDO_MS);
      this.#persistAsked = (await getMeta(db, META_PERSIST_ASKED)) !== undefined;
      this.safetyBackup = (await getSafetyBackup(db)) ?? null;
      await this.refresh();
    } catch (error) {
      handleError(error, 'Opening the library');
    } finally {
      this.loaded = true;
    }
    void this.refreshStorage();
  }

  async refresh(): Promise<void> {
    [this.works, this.albums] = await Promise.all([listWorks(db), listAlbums(db)]);
  }

  /** Rating, flag, albums and the AI training choice: each saves at once, the gallery follows on the library event. */
  async organise(work: Work, change: OrganiseChange): Promise<boolean> {
    try {
      if ('rating' in change) await setRating(db, work.id, change.rating);
      else if ('flag' in change) await setFlag(db, work.id, change.flag);
      else if ('training' in change) await setWorkTraining(db, work.id, change.training);
      else await setInAlbum(db, { workId: work.id, ...change });
      await this.refresh();
      return true;
    } catch (error) {
      handleError(error, 'Organising the work');
      return false;
    }
  }

  /** Creates an album (and puts `work` in it, when given). */
  async newAlbum(name: string, work?: Work): Promise<Album | null> {
    try {
      const album = await createAlbum(db, name);
      if (work) await setInAlbum(db, { workId: work.id, albumId: album.id, inAlbum: true });
      await this.refresh();
      return album;
    } catch (error) {
      handleError(error, 'Creating the album');
      return null;
    }
  }

  async removeAlbum(album: Album): Promise<void> {
    try {
      await deleteAlbum(db, album.id);
      if (this.filter.albumId === album.id) this.filter = { ...this.filter, albumId: '' };
      await this.refresh();
    } catch (error) {
      handleError(error, 'Deleting the album');
    }
  }

  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => {
      this.refresh().catch((e: unknown) => handleError(e, 'Reading the library'));
      void this.refreshStorage();
    }, 150);
  }

  async refreshStorage(): Promise<void> {
    this.storage = await storageInfo();
    const facts = await reminderFacts(db).catch(() => ({
      lastBackupAt: undefined,
      lastChangeAt: undefined,
      oldestWorkAt: undefined,
      now: Date.now(),
    }));
    this.reminderDue = backupReminderDue(facts);
    this.backedUp =
      facts.lastBackupAt !== undefined &&
      (facts.lastChangeAt === undefined || facts.lastChangeAt <= facts.lastBackupAt);
  }

  /**
   * Call from the person's gesture (Firefox prompts and wants one): asks for persistent storage
   * at the first save, and once more in a session when the import makes the library matter and
   * storage is still not persistent (Chromium decides by engagement, which grows with use). Only
   * that second answer is shown: a "no" at the first import would alarm for nothing.
   */
  #askPersistence(incoming: number): void {
    const first = !this.#persistAsked;
    if (!first) {
      const matters = libraryMatters({
        works: this.works.length + incoming,
        bytes: this.works.reduce((sum, w) => sum + (w.bytes || 0), 0),
      });
      if (this.#persistAskedAgain || !matters || this.storage.persisted !== false) return;
      this.#persistAskedAgain = true;
    }
    this.#persistAsked = true;
    void requestPersistence(db).then((granted) => {
      if (!first) this.persistRefused = granted === false;
      void this.refreshStorage();
    });
  }

  /** The storage advice's action: install the app, or save a backup. */
  async followAdvice(): Promise<void> {
    if (this.advice?.action === 'install') {
      try {
        await pwa.install();
      } catch (error) {
        handleError(error, 'Installing Atelier');
      }
      await this.refreshStorage();
    } else {
      await this.backup();
    }
  }

  /**
   * Imports files one by one; a bad file is reported and the rest go on. Call it from the
   * person's gesture (picker, drop, paste): the first import asks for persistent storage.
   */
  async importFiles(
    files: readonly File[],
    { concurrency = IMPORT_CONCURRENCY }: { concurrency?: number } = {},
  ): Promise<FileResult[]> {
    if (!files.length) return [];
    if (this.importRun && this.importRun.done < this.importRun.total) {
      toasts.push('info', 'An import is already running; wait for it to finish.');
      return [];
    }
    this.#askPersistence(files.length);
    this.importRun = { total: files.length, done: 0, current: files[0]!.name, results: [] };
    // A few files in flight at once: one decodes while another is hashed or written.
    const slots: (FileResult | undefined)[] = new Array(files.length);
    let next = 0;
    const lane = async (n: number) => {
      while (next < files.length) {
        const i = next++;
        this.importRun = { ...this.importRun!, current: files[i]!.name };
        slots[i] = await this.#importOne(files[i]!, `import-${n}`);
        this.importRun = {
          ...this.importRun!,
          done: this.importRun!.done + 1,
          results: slots.filter((r): r is FileResult => r !== undefined),
        };
      }
    };
    const lanes = Math.max(1, Math.min(concurrency, files.length));
    await Promise.all(Array.from({ length: lanes }, (_, n) => lane(n)));
    const results = slots as FileResult[];
    const good = results.filter((r) => r.ok).length;
    if (good === results.length) {
      toasts.push(
        'success',
        good === 1 ? `Imported "${results[0]!.message}".` : `Imported ${good} images.`,
      );
    }
    await this.refresh();
    void this.refreshStorage();
    return results;
  }

  async #importOne(file: File, lane: string): Promise<FileResult> {
    try {
      const made = await imageClient.call((api) => api.ingest(file, file.name), { lane });
      const input: NewWork = {
        title: titleFromFileName(file.name),
        original: made.original,
        thumb: made.thumb,
        width: made.width,
        height: made.height,
        mime: made.mime,
        sha256: made.sha256,
        thumbSha256: made.thumbSha256,
        palette: made.palette,
      };
      const work = await addWork(db, input);
      return { name: file.name, ok: true, message: work.title, workId: work.id };
    } catch (error) {
      const message = hasCode(error) || error instanceof Error ? error.message : String(error);
      const result: FileResult = { name: file.name, ok: false, message };
      if (hasCode(error)) result.code = error.code;
      if (!hasCode(error)) console.error(`Importing ${file.name}`, error);
      return result;
    }
  }

  dismissImport(): void {
    this.importRun = null;
  }

  async rename(work: Work, title: string): Promise<boolean> {
    try {
      await renameWork(db, work.id, title);
      return true;
    } catch (error) {
      handleError(error, 'Renaming');
      return false;
    }
  }

  async retag(work: Work, tags: string[]): Promise<boolean> {
    try {
      await setTags(db, work.id, tags);
      return true;
    } catch (error) {
      handleError(error, 'Tagging');
      return false;
    }
  }

  /** Hides the work now; it is purged when the undo window closes. */
  async remove(work: Work): Promise<void> {
    try {
      await this.#finishPendingDelete();
      await deleteWork(db, work.id);
      this.pendingDelete = { id: work.id, title: work.title };
      this.works = this.works.filter((w) => w.id !== work.id);
      this.#undoTimer = setTimeout(() => void this.#finishPendingDelete(), UNDO_MS);
    } catch (error) {
      handleError(error, 'Deleting');
    }
  }

  async undoDelete(): Promise<void> {
    const pending = this.pendingDelete;
    if (!pending) return;
    clearTimeout(this.#undoTimer);
    this.pendingDelete = null;
    try {
      await undeleteWork(db, pending.id);
      await this.refresh();
    } catch (error) {
      handleError(error, 'Undoing the deletion');
    }
  }

  async #finishPendingDelete(): Promise<void> {
    clearTimeout(this.#undoTimer);
    if (!this.pendingDelete) return;
    this.pendingDelete = null;
    try {
      await purgeDeleted(db, Date.now() + 1);
      void this.refreshStorage();
    } catch (error) {
      handleError(error, 'Deleting');
    }
  }

  versions(work: Work): Promise<Version[]> {
    return listVersions(db, work.id);
  }

  /** The work's file as it was imported. */
  original(work: Work): Promise<Blob> {
    return getOriginalBlob(db, work.id);
  }

  setAuthor(author: string): void {
    this.author = author;
    try {
      localStorage.setItem(AUTHOR_KEY, author);
    } catch {
      // the author is still used for this export
    }
  }

  /** Exports the original or a version as PNG/JPEG/WebP with a preset's size and metadata. */
  async exportWork(work: Work, options: ExportSettings & { version?: Version }): Promise<void> {
    this.busy = 'export';
    try {
      const { version, ...settings } = options;
      const out = await encodeExport(work, checkSettings(settings), {
        version,
        author: this.author,
      });
      download(out.blob, out.name);
      track({ type: 'work.exported', workId: work.id, format: options.type });
    } catch (error) {
      handleError(error, `Exporting "${work.title}"`);
    } finally {
      this.busy = null;
    }
  }

  /** A batch export under way: works done of all (the zip is written after the last). */
  batchProgress = $state<{ done: number; total: number } | null>(null);
  #batchAbort: AbortController | undefined;

  /**
   * Exports `works` (each its newest version, or its original) with one preset, as one zip. A
   * work that cannot be exported is left out and named at the end; Cancel stops before the next
   * work and saves nothing.
   */
  async exportBatch(
    works: readonly Work[],
    preset: ExportSettings & { name: string },
    pick: 'newest' | 'original',
  ): Promise<void> {
    if (works.length === 0 || this.busy) return;
    let settings: ExportSettings;
    try {
      settings = checkSettings(preset);
    } catch (error) {
      handleError(error, 'Exporting the batch');
      return;
    }
    this.busy = 'export';
    const total = works.length;
    this.batchProgress = { done: 0, total };
    const controller = new AbortController();
    this.#batchAbort = controller;
    const { signal } = controller;
    try {
      const { files, failed } = await batchFiles(works, settings, {
        pick,
        author: this.author,
        signal,
        ondone: (done) => (this.batchProgress = { done, total }),
      });
      if (files.length === 0) {
        toasts.push('error', 'None of these works could be exported; nothing was saved.');
        return;
      }
      const zip = await zipExports(files);
      signal.throwIfAborted();
      const day = new Date().toISOString().slice(0, 10);
      download(zip, exportFileName(`${preset.name} ${day}`, 'zip'));
      // Insights count what was exported: a work left out is not.
      for (const { work } of files) {
        track({ type: 'work.exported', workId: work.id, format: preset.type });
      }
      toasts.push(
        failed.length ? 'info' : 'success',
        failed.length
          ? `Exported ${files.length} of ${total} works; left out: ${failed.map((t) => `“${t}”`).join(', ')} (they could not be read).`
          : `Exported ${files.length} ${files.length === 1 ? 'work' : 'works'} as one zip.`,
      );
    } catch (error) {
      if (signal.aborted || isAbortError(error)) {
        toasts.push('info', 'Batch export cancelled; nothing was saved.');
      } else {
        handleError(error, 'Exporting the batch');
      }
    } finally {
      this.busy = null;
      this.batchProgress = null;
      this.#batchAbort = undefined;
    }
  }

  cancelBatch(): void {
    this.#batchAbort?.abort();
  }

  /** Saves the whole library as one zip file. */
  async backup(): Promise<void> {
    this.busy = 'backup';
    try {
      const { manifest, files } = await collectBackup(db, { app: `atelier ${__APP_VERSION__}` });
      const zip = await imageClient.call((api) => api.packBackup(manifest, files));
      const day = new Date().toISOString().slice(0, 10);
      download(zip, `atelier-backup-${day}.zip`);
      await markBackedUp(db, manifest.works.length, zip.size);
      this.reminderDue = false;
      this.persistRefused = false;
      toasts.push('success', `Backup saved: ${manifest.works.length} works.`);
    } catch (error) {
      handleError(error, 'Backing up');
    } finally {
      this.busy = null;
    }
  }

  /**
   * Reads and checks a backup file, then says what it holds and what a restore would change
   * (`restorePlan`); nothing is written until the artist picks Merge or Replace
   * (`confirmRestore`). A bad file changes nothing. Reading can be cancelled (`cancelRestore`).
   */
  async restore(file: File): Promise<boolean> {
    this.busy = 'restore';
    this.restoreProgress = { done: 0, total: 0 };
    const controller = new AbortController();
    this.#restoreAbort = controller;
    const { signal } = controller;
    try {
      const { manifest, blobs, leftOut } = await imageClient.call(
        (api) => api.unpackBackup(file, file.name),
        { signal },
      );
      const plan = await planRestore(db, manifest);
      signal.throwIfAborted();
      this.#pending = { manifest, blobs, leftOut };
      this.restorePlan = { name: file.name, plan };
      return true;
    } catch (error) {
      this.#endRestore(error, signal);
      return false;
    } finally {
      this.restoreProgress = null;
      this.#restoreAbort = undefined;
    }
  }

  /**
   * Writes the backup read by `restore`: 'merge' adds what is missing and never overwrites a
   * newer edit nor deletes; 'replace' first saves a backup of the library as it is (downloaded
   * and kept in the studio), then makes the library the backup's. Progress and cancel as before.
   */
  async confirmRestore(mode: 'merge' | 'replace'): Promise<boolean> {
    const pending = this.#pending;
    if (!pending) return false;
    this.#pending = undefined;
    this.restorePlan = null;
    this.restoreProgress = { done: 0, total: 0 };
    const controller = new AbortController();
    this.#restoreAbort = controller;
    const { signal } = controller;
    try {
      let safetyBackup: { zip: Blob; works: number; at: number } | undefined;
      if (mode === 'replace') {
        this.restoreStep = 'Saving a backup of your library first…';
        const { manifest, files } = await collectBackup(db, { app: `atelier ${__APP_VERSION__}` });
        const zip = await imageClient.call((api) => api.packBackup(manifest, files), { signal });
        const at = Date.now();
        download(zip, safetyBackupName(at));
        safetyBackup = { zip, works: manifest.works.length, at };
        this.restoreStep = null;
      }
      const counts = await restoreBackup(db, pending.manifest, pending.blobs, {
        mode,
        ...(safetyBackup ? { safetyBackup } : {}),
        signal,
        onProgress: (p) => {
          this.restoreProgress = p;
        },
      });
      if (safetyBackup) this.safetyBackup = safetyBackup;
      await this.refresh();
      toasts.push('success', mode === 'replace' ? replaceSummary(counts) : restoreSummary(counts));
      const { leftOut } = pending;
      if (leftOut.length) {
        toasts.push(
          'error',
          leftOut.length === 1
            ? `1 registration in the backup was left out: ${leftOut[0]!.reason}.`
            : `${leftOut.length} registrations in the backup were left out: their certificates are damaged or do not verify.`,
        );
      }
      return true;
    } catch (error) {
      this.#endRestore(error, signal);
      return false;
    } finally {
      this.busy = null;
      this.restoreStep = null;
      this.restoreProgress = null;
      this.#restoreAbort = undefined;
      void this.refreshStorage();
    }
  }

  /** Says how a restore ended badly (a cancel is not an error) and leaves the room idle. */
  #endRestore(error: unknown, signal: AbortSignal) {
    this.busy = null;
    if (signal.aborted && isAbortError(error)) {
      toasts.push('info', 'Restore cancelled: nothing was changed.');
    } else {
      handleError(error, 'Restoring');
    }
  }

  /** The artist said no to the restore shown: nothing is written. */
  dismissRestore(): void {
    if (!this.#pending) return;
    this.#pending = undefined;
    this.restorePlan = null;
    this.busy = null;
    toasts.push('info', 'Restore cancelled: nothing was changed.');
  }

  /** What the restore is doing before it writes rows (the safety backup), in words. */
  restoreStep = $state<string | null>(null);

  /** Downloads the backup a Replace kept of the library as it was. */
  downloadSafetyBackup(): void {
    if (this.safetyBackup) download(this.safetyBackup.zip, safetyBackupName(this.safetyBackup.at));
  }

  /** Removes the kept safety backup from the studio (frees its space). */
  async forgetSafetyBackup(): Promise<void> {
    try {
      await deleteSafetyBackup(db);
      this.safetyBackup = null;
      void this.refreshStorage();
    } catch (error) {
      handleError(error, 'Deleting the kept backup');
    }
  }

  /** Stops the restore under way; the library stays as it was. */
  cancelRestore(): void {
    this.#restoreAbort?.abort();
  }
}

export const library = new Library();

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a merge did, in words: what was added, updated, and what the library already had. */
export function restoreSummary(counts: RestoreCounts): string {
  const added = `Restored ${plural(counts.works, 'work', 'works')} and ${plural(counts.versions, 'version', 'versions')}.`;
  const updated = counts.updated
    ? ` ${plural(counts.updated, 'work took its', 'works took their')} newer edits from the backup.`
    : '';
  return counts.alreadyThere
    ? `${added}${updated} ${plural(counts.alreadyThere, 'item was', 'items were')} already in your library and kept as they are.`
    : `${added}${updated}`;
}

/** What a replace did, in words. */
export function replaceSummary(counts: RestoreCounts): string {
  return `Your library was replaced by the backup (${plural(counts.works, 'work', 'works')} and ${plural(counts.versions, 'version', 'versions')}). A backup of it as it was is kept.`;
}

/** The file name of a safety backup, with its date and time. */
function safetyBackupName(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
  return `atelier-before-restore-${stamp}.zip`;
}

// A typed hook for e2e tests and benchmarks, only when the test harness asks for it.
try {
  if (globalThis.localStorage?.getItem('atelier.testHooks') === '1') {
    (globalThis as { __atelierLibrary?: unknown }).__atelierLibrary = {
      library,
      addWork: (input: NewWork) => addWork(db, input),
      addVersion: (input: NewVersion) => addVersion(db, input),
      count: () => db.works.count(),
      blobCount: () => db.blobs.count(),
    };
  }
} catch {
  // no localStorage: no hook
}
