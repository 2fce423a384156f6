/**
 * Writes a zip from files read one at a time (memory holds the zip plus one file): a file marked
 * `deflate` is compressed (text), the rest stored as they are (images are compressed already).
 * Backups and batch exports both use it.
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ZipSource {
  path: string;
  read: () => Promise<Uint8Array>;
  deflate?: boolean;
}

export async function zipFiles(sources: readonly ZipSource[]): Promise<Blob> {
  const parts: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else parts.push(chunk);
  });
  for (const source of sources) {
    const bytes = await source.read();
    const file = source.deflate
      ? new ZipDeflate(source.path, { level: 6 })
      : new ZipPassThrough(source.path);
    zip.add(file);
    file.push(bytes, true);
    if (failure) throw failure;
  }
  zip.end();
  if (failure) throw failure;
  return new Blob(parts as BlobPart[], { type: 'application/zip' });
}
