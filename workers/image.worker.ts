/**
 * The image worker: everything heavy the Library does with pixels and bytes, off the UI thread:
 * import (header check, hash, decode, thumbnail, palette), thumbnails of new versions, export,
 * and backup zips (packing, and unpacking with a full check before anything is written).
 */
import { expose } from 'comlink';
import '../src/shared/compute/lifeline';
import '../src/shared/comlink-errors';
import { zipFiles } from '../src/shared/library/zip';
import { readBackup, zipBackup, type BackupManifest } from '../src/shared/library/backup-format';
import type { BackupBlobEntry } from '../src/shared/library/backup-format';
import { exportImage } from './image/export';
import { ingest, thumbnailOf } from './image/ingest';
import { sniffImage } from '../src/shared/library/sniff';

const api = {
  ingest,
  exportImage,

  /** A thumbnail of a rendered version (its size is read from the header). */
  async thumbnail(image: Blob) {
    const head = new Uint8Array(await image.arrayBuffer());
    const { width, height } = sniffImage(head, 'the new version');
    const made = await thumbnailOf(image, 'the new version', width, height);
    return { thumb: made.thumb, width, height };
  },

  packBackup(manifest: BackupManifest, files: { entry: BackupBlobEntry; blob: Blob }[]) {
    return zipBackup(
      manifest,
      files.map((f) => ({
        entry: f.entry,
        read: async () => new Uint8Array(await f.blob.arrayBuffer()),
      })),
    );
  },

  /** A batch export's files as one zip (stored: they are compressed images already). */
  packFiles(files: { path: string; blob: Blob }[]) {
    return zipFiles(
      files.map((f) => ({
        path: f.path,
        read: async () => new Uint8Array(await f.blob.arrayBuffer()),
      })),
    );
  },

  /** Reads and checks a backup file; the blobs come back as Blobs keyed by id. */
  async unpackBackup(file: Blob, name: string) {
    const read = await readBackup(new Uint8Array(await file.arrayBuffer()), name);
    const mimes = new Map(read.manifest.blobs.map((b) => [b.id, b.mime]));
    const blobs = new Map<string, Blob>();
    for (const [id, bytes] of read.blobs) {
      blobs.set(id, new Blob([bytes as BlobPart], { type: mimes.get(id) ?? '' }));
    }
    return { manifest: read.manifest, blobs, leftOut: read.leftOut };
  },
};

export type ImageApi = typeof api;
expose(api);
