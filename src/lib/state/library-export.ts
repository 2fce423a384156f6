/**
 * Making export files from the studio's records: one work (its original or a version) at an
 * export's size, format, quality and watermark, with its Content Credentials; a batch's files,
 * one work at a time; and their zip. The Library state (library.svelte.ts) runs them, downloads
 * the result and says how it went.
 */
import { exportPlan, uniqueNames, type ExportSettings } from '../../shared/library/export-presets';
import { exportFileName } from '../../shared/library/text';
import { isAbortError } from '../../shared/errors/base';
import { imageClient } from '../compute/image-client';
import { db } from '../db/instance';
import type { Version, Work } from '../db/schema';
import { getBlob, getOriginalBlob, listVersions } from '../db/works';
import { contentCredentialsFor } from './export-credentials';

export interface ExportFile {
  blob: Blob;
  name: string;
}

const EXTENSIONS = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' } as const;

/**
 * One export, encoded and with its Content Credentials: the original or `version`, at the
 * settings' size, format and quality, with its watermark; stripped, without the title, author,
 * kept texts or registration.
 */
export async function encodeExport(
  work: Work,
  settings: ExportSettings,
  options: { version?: Version | undefined; author: string; signal?: AbortSignal },
): Promise<ExportFile> {
  const { version, author, signal } = options;
  const blob = version ? await getBlob(db, version.blobId) : await getOriginalBlob(db, work.id);
  const strip = settings.metadata === 'strip';
  const encoded = await imageClient.call(
    (api) =>
      api.exportImage(blob, {
        type: settings.type,
        quality: settings.quality,
        plan: exportPlan(version ?? work, settings.size),
        ...(settings.watermark ? { watermark: settings.watermark } : {}),
        // A title kept from the Write room names the exported file's metadata.
        ...(strip
          ? {}
          : {
              title: work.texts?.title || work.title,
              author,
              ...(work.texts ? { texts: { ...work.texts } } : {}),
            }),
      }),
    signal ? { signal } : undefined,
  );
  // Every export carries Content Credentials (its history, the training choice, the registration).
  const out = await contentCredentialsFor(work, encoded, {
    type: settings.type,
    ...(version ? { version } : {}),
    strip,
  });
  const title = version ? `${work.title} - ${version.label}` : work.title;
  return { blob: out, name: exportFileName(title, EXTENSIONS[settings.type]) };
}

/**
 * Each work's file (its newest version, or its original), in order; a work that cannot be
 * exported is named in `failed`. `ondone` counts the works handled.
 * @throws the abort when `signal` fires (before the next work, or during one).
 */
export async function batchFiles(
  works: readonly Work[],
  settings: ExportSettings,
  options: {
    pick: 'newest' | 'original';
    author: string;
    signal: AbortSignal;
    ondone: (done: number) => void;
  },
): Promise<{ files: (ExportFile & { work: Work })[]; failed: string[] }> {
  const { pick, author, signal, ondone } = options;
  const files: (ExportFile & { work: Work })[] = [];
  const failed: string[] = [];
  let done = 0;
  for (const work of works) {
    signal.throwIfAborted();
    try {
      const version = pick === 'newest' ? (await listVersions(db, work.id))[0] : undefined;
      files.push({ ...(await encodeExport(work, settings, { version, author, signal })), work });
    } catch (error) {
      if (signal.aborted || isAbortError(error)) throw error;
      failed.push(work.title);
    }
    ondone(++done);
  }
  signal.throwIfAborted();
  return { files, failed };
}

/** The files as one zip (in the image worker), their names made unique. */
export function zipExports(files: readonly ExportFile[]): Promise<Blob> {
  const names = uniqueNames(files.map((f) => f.name));
  return imageClient.call((api) =>
    api.packFiles(files.map((f, i) => ({ path: names[i]!, blob: f.blob }))),
  );
}
