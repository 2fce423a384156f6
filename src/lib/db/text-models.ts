/**
 * Text models the artist imported from disk or downloaded (the Write room's model manager).
 * A model is one `textModels` row plus one `blobs` row per file; the row maps each file's path
 * in the model folder ("onnx/model_quantized.onnx") to its blob id. Written in one transaction,
 * so a full disk leaves nothing half-stored; deleted in one transaction too.
 *
 *   listTextModels(db)                      → StoredTextModel[] (oldest first)
 *   addTextModel(db, { name, source, licence, files, sha256? }) → StoredTextModel
 *   getTextModelFiles(db, id)               → Record<path, Blob> (handed to the text worker)
 *   deleteTextModel(db, id)
 */
import { TextError } from '../../shared/errors/text';
import { sha256Hex } from '../../shared/write/download';
import { checkModelFolder, type TextDtype } from '../../shared/write/model-files';
import type { AtelierDb, BlobRow, TextModelRow } from './schema';
import type { GateResults } from '../../shared/write/gate';

export interface StoredTextModel extends TextModelRow {
  source: 'imported' | 'downloaded';
  dtypes: TextDtype[];
  /** SHA-256 per file path, checked again when the model is loaded. */
  sha256: Record<string, string>;
  /** Catalogue id for downloads. */
  catalogueId?: string;
  /** Quality-gate results per task, once the model was checked (shared/write/gate.ts). */
  gate?: GateResults['tasks'];
}

export interface NewTextModel {
  name: string;
  source: 'imported' | 'downloaded';
  licence: string;
  /** Files by path relative to the model folder. */
  files: Record<string, Blob>;
  /** Digests already computed (downloads verify them); the rest are computed here. */
  sha256?: Record<string, string>;
  catalogueId?: string;
}

function isQuota(error: unknown): boolean {
  const name = (error as { name?: string; inner?: { name?: string } })?.name;
  const inner = (error as { inner?: { name?: string } })?.inner?.name;
  return name === 'QuotaExceededError' || inner === 'QuotaExceededError';
}

/** @throws TextError `model-invalid` (missing files) or `download-quota` (disk full). */
export async function addTextModel(db: AtelierDb, input: NewTextModel): Promise<StoredTextModel> {
  const check = checkModelFolder(Object.keys(input.files));
  if (!check.ok)
    throw new TextError('model-invalid', check.reason ?? 'The model folder is incomplete.');
  const sha256: Record<string, string> = {};
  const blobs: BlobRow[] = [];
  const files: Record<string, string> = {};
  let bytes = 0;
  // Hash before the transaction opens: a transaction must await nothing but Dexie.
  for (const [path, blob] of Object.entries(input.files)) {
    const digest = input.sha256?.[path] ?? (await sha256Hex(blob));
    sha256[path] = digest;
    const id = crypto.randomUUID();
    blobs.push({
      id,
      blob,
      sha256: digest,
      bytes: blob.size,
      mime: blob.type || 'application/octet-stream',
    });
    files[path] = id;
    bytes += blob.size;
  }
  const row: StoredTextModel = {
    id: crypto.randomUUID(),
    name: input.name.trim().slice(0, 120) || 'Imported model',
    source: input.source,
    licence: input.licence.trim().slice(0, 120) || 'unknown (see the model card)',
    bytes,
    files,
    addedAt: Date.now(),
    dtypes: check.dtypes,
    sha256,
    ...(input.catalogueId ? { catalogueId: input.catalogueId } : {}),
  };
  try {
    await db.transaction('rw', db.textModels, db.blobs, async () => {
      await db.blobs.bulkAdd(blobs);
      await db.textModels.add(row);
    });
  } catch (error) {
    if (isQuota(error)) {
      throw new TextError(
        'download-quota',
        'There is not enough storage left to keep this model.',
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  return row;
}

export async function listTextModels(db: AtelierDb): Promise<StoredTextModel[]> {
  const rows = (await db.textModels.toArray()) as StoredTextModel[];
  return rows
    .filter((r) => r.source === 'imported' || r.source === 'downloaded')
    .sort((a, b) => a.addedAt - b.addedAt);
}

/** @throws TextError `no-model` (gone) or `model-invalid` (a file is missing or changed). */
export async function getTextModelFiles(db: AtelierDb, id: string): Promise<Record<string, Blob>> {
  const row = (await db.textModels.get(id)) as StoredTextModel | undefined;
  if (!row) throw new TextError('no-model', 'That model is no longer on this device.');
  const out: Record<string, Blob> = {};
  const blobRows = await db.blobs.bulkGet(Object.values(row.files));
  const byId = new Map(blobRows.filter((b): b is BlobRow => !!b).map((b) => [b.id, b]));
  for (const [path, blobId] of Object.entries(row.files)) {
    const blob = byId.get(blobId);
    if (!blob || blob.sha256 !== row.sha256[path]) {
      throw new TextError(
        'model-invalid',
        `The stored copy of ${path} is missing or damaged; import the model again.`,
      );
    }
    out[path] = blob.blob;
  }
  return out;
}

export async function deleteTextModel(db: AtelierDb, id: string): Promise<void> {
  await db.transaction('rw', db.textModels, db.blobs, async () => {
    const row = await db.textModels.get(id);
    if (!row) return;
    await db.blobs.bulkDelete(Object.values(row.files));
    await db.textModels.delete(id);
  });
}
