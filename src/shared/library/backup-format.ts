/**
 * The Atelier backup file: one zip holding `manifest.json` (first) and every image blob under
 * `blobs/`. The manifest is versioned (`format`, `formatVersion`) and lists each blob's size
 * and SHA-256, so a restore can check the whole file before it writes anything. Pure: runs in
 * the image worker (off the UI thread) and in unit tests.
 *
 * Format 1: { format: 'atelier-backup', formatVersion: 1, createdAt, app, works, versions,
 *   blobs: [{ id, path, bytes, sha256, mime }], presets, drafts, registrations, albums? }
 * Rows are kept whole (unknown fields too), so a round trip loses nothing.
 */
import { strFromU8, strToU8, unzipSync } from 'fflate';
import * as v from 'valibot';
import { LibraryError } from '../errors/library';
import { TRAINING_CHOICES } from '../provenance/manifest';
import { MAX_SIDE } from './budget';
import {
  checkStoredRegistration,
  type StoredRegistration,
} from '../registration/stored-registration';
import { sha256Hex } from './hash';
import { zipFiles } from './zip';
import { displayName, MAX_TAG_LENGTH, MAX_TAGS, MAX_TEXT_LENGTH, MAX_TITLE_LENGTH } from './text';

export const BACKUP_FORMAT = 'atelier-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';
/** Refuse zips that would inflate beyond this (zip bombs, or more than a browser can hold). */
export const MAX_BACKUP_BYTES = 4 * 1024 ** 3;
const MAX_MANIFEST_BYTES = 256 * 1024 ** 2;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid id'));
const Hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'is not a SHA-256'));
const Time = v.pipe(v.number(), v.finite(), v.minValue(0));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Side = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SIDE));
const Mime = v.pipe(v.string(), v.maxLength(100));

const WorkSchema = v.looseObject({
  id: Id,
  title: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TITLE_LENGTH)),
  tags: v.pipe(v.array(v.pipe(v.string(), v.maxLength(MAX_TAG_LENGTH))), v.maxLength(MAX_TAGS)),
  createdAt: Time,
  updatedAt: Time,
  originalBlobId: Id,
  thumbBlobId: Id,
  width: Side,
  height: Side,
  mime: Mime,
  bytes: Count,
  sha256: Hex64,
  palette: v.pipe(v.array(v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}$/i))), v.maxLength(64)),
  deletedAt: v.optional(Time),
  texts: v.optional(
    v.record(v.pipe(v.string(), v.maxLength(64)), v.pipe(v.string(), v.maxLength(MAX_TEXT_LENGTH))),
  ),
  rating: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5))),
  flag: v.optional(v.picklist(['pick', 'reject'])),
  albumIds: v.optional(v.pipe(v.array(Id), v.maxLength(1000))),
  training: v.optional(v.picklist(TRAINING_CHOICES)),
});

const AlbumSchema = v.looseObject({
  id: Id,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TITLE_LENGTH)),
  createdAt: Time,
  updatedAt: Time,
});

const VersionSchema = v.looseObject({
  id: Id,
  workId: Id,
  createdAt: Time,
  label: v.pipe(v.string(), v.maxLength(MAX_TITLE_LENGTH)),
  stack: v.unknown(),
  engine: v.record(v.string(), v.string()),
  blobId: Id,
  thumbBlobId: Id,
  width: Side,
  height: Side,
});

const BlobEntrySchema = v.object({
  id: Id,
  path: v.pipe(v.string(), v.regex(/^blobs\/[A-Za-z0-9_-]{1,64}(\.[a-z0-9]{1,5})?$/)),
  bytes: Count,
  sha256: Hex64,
  mime: Mime,
});

export const ManifestSchema = v.object({
  format: v.literal(BACKUP_FORMAT),
  formatVersion: v.literal(BACKUP_FORMAT_VERSION),
  createdAt: Time,
  app: v.pipe(v.string(), v.maxLength(40)),
  works: v.pipe(v.array(WorkSchema), v.maxLength(200_000)),
  versions: v.pipe(v.array(VersionSchema), v.maxLength(1_000_000)),
  blobs: v.pipe(v.array(BlobEntrySchema), v.maxLength(3_000_000)),
  presets: v.array(v.looseObject({ id: Id })),
  drafts: v.array(v.looseObject({ workId: Id })),
  // Each row is checked on its own as live data is (checkStoredRegistration), in readBackup.
  registrations: v.pipe(v.array(v.unknown()), v.maxLength(1_000_000)),
  /** Since the Library organises works: absent in older backups. */
  albums: v.optional(v.pipe(v.array(AlbumSchema), v.maxLength(100_000))),
});

export type BackupManifest = Omit<v.InferOutput<typeof ManifestSchema>, 'registrations'> & {
  registrations: StoredRegistration[];
};
export type BackupBlobEntry = v.InferOutput<typeof BlobEntrySchema>;

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/avif': '.avif',
  'image/bmp': '.bmp',
};

/** Where a blob goes in the zip. */
export function blobPath(id: string, mime: string): string {
  return `blobs/${id}${EXTENSIONS[mime] ?? ''}`;
}

export interface BackupSource {
  entry: BackupBlobEntry;
  read: () => Promise<Uint8Array>;
}

/**
 * Writes the zip: the manifest first (deflated), then each blob stored as is (images are already
 * compressed). Blobs are read one at a time, so memory holds the zip plus one image.
 */
export async function zipBackup(manifest: BackupManifest, sources: BackupSource[]): Promise<Blob> {
  const head = strToU8(JSON.stringify(manifest));
  return zipFiles([
    { path: MANIFEST_PATH, read: () => Promise.resolve(head), deflate: true },
    ...sources.map((source) => ({ path: source.entry.path, read: source.read })),
  ]);
}

export interface ReadBackup {
  manifest: BackupManifest;
  /** Blob bytes by blob id, each checked against its size and SHA-256. */
  blobs: Map<string, Uint8Array>;
  /** Registrations left out because they are malformed or their certificate does not verify. */
  leftOut: { id?: string; title?: string; reason: string }[];
}

function refuse(code: 'backup-damaged' | 'backup-foreign' | 'backup-newer', message: string) {
  return new LibraryError(code, `${message} Nothing was restored; your library is unchanged.`);
}

function issuePath(issues: v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '(top)';
  return `${path}: ${issue.message}`;
}

/**
 * Opens and checks a backup completely: zip structure, manifest format and version, every row's
 * shape, every blob's presence, size and SHA-256, and every reference between them.
 * @param name the file name, quoted in messages.
 * @throws LibraryError `backup-foreign` (not an Atelier backup), `backup-newer` (made by a newer
 *   Atelier) or `backup-damaged` (anything else wrong), each saying why.
 */
export async function readBackup(bytes: Uint8Array, name: string): Promise<ReadBackup> {
  const file = `"${displayName(name)}"`;
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (!isZip)
    throw refuse('backup-foreign', `${file} is not an Atelier backup (it is not a zip file).`);
  // Two passes (issue #20, defect 10): the manifest alone first, then only the blobs it lists,
  // each at the size it states. Nothing the manifest does not name is ever inflated.
  const unzip = (keep: (name: string, size: number) => boolean) => {
    try {
      return unzipSync(bytes, { filter: (info) => keep(info.name, info.originalSize) });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw refuse('backup-damaged', `${file} is damaged: it is not a readable zip (${why}).`);
    }
  };
  const head0 = unzip((name, size) => {
    if (name !== MANIFEST_PATH) return false;
    if (size > MAX_MANIFEST_BYTES) throw new RangeError('its manifest is too large');
    return true;
  });
  const raw = head0[MANIFEST_PATH];
  if (!raw)
    throw refuse('backup-foreign', `${file} is not an Atelier backup (it has no manifest.json).`);
  if (raw.length > MAX_MANIFEST_BYTES)
    throw refuse('backup-damaged', `${file} is damaged: its manifest is too large.`);
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(raw), (key, value: unknown) => {
      if (key === '__proto__') throw new SyntaxError('forbidden key "__proto__"');
      return value;
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw refuse('backup-damaged', `${file} is damaged: its manifest is not valid JSON (${why}).`);
  }
  const head = json as { format?: unknown; formatVersion?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== BACKUP_FORMAT) {
    throw refuse(
      'backup-foreign',
      `${file} is not an Atelier backup (its manifest is not Atelier's).`,
    );
  }
  if (typeof head.formatVersion === 'number' && head.formatVersion > BACKUP_FORMAT_VERSION) {
    throw refuse(
      'backup-newer',
      `${file} was made by a newer Atelier (backup format ${head.formatVersion}; this one reads ` +
        `up to ${BACKUP_FORMAT_VERSION}). Update Atelier, then restore it.`,
    );
  }
  const parsed = v.safeParse(ManifestSchema, json);
  if (!parsed.success) {
    throw refuse(
      'backup-damaged',
      `${file} is damaged: its manifest is invalid at ${issuePath(parsed.issues)}.`,
    );
  }
  const { registrations: rawRegistrations, ...rest } = parsed.output;
  const listed = new Map(rest.blobs.map((b) => [b.path, b.bytes]));
  let total = 0;
  const wrongSize = new Map<string, number>();
  const entries = unzip((name, size) => {
    const want = listed.get(name);
    if (want === undefined) return false;
    if (want !== size) {
      wrongSize.set(name, size);
      return false;
    }
    total += size;
    if (total > MAX_BACKUP_BYTES) throw new RangeError('it would unpack to more than 4 GiB');
    return true;
  });
  const blobs = new Map<string, Uint8Array>();
  for (const entry of rest.blobs) {
    const data = entries[entry.path];
    if (wrongSize.has(entry.path)) {
      throw refuse(
        'backup-damaged',
        `${file} is damaged: ${entry.path} has ${wrongSize.get(entry.path)} bytes, the manifest says ${entry.bytes}.`,
      );
    }
    if (!data) throw refuse('backup-damaged', `${file} is damaged: ${entry.path} is missing.`);
    if (data.length !== entry.bytes) {
      throw refuse(
        'backup-damaged',
        `${file} is damaged: ${entry.path} has ${data.length} bytes, the manifest says ${entry.bytes}.`,
      );
    }
    if ((await sha256Hex(data as Uint8Array<ArrayBuffer>)) !== entry.sha256) {
      throw refuse(
        'backup-damaged',
        `${file} is damaged: ${entry.path} does not match its SHA-256.`,
      );
    }
    if (blobs.has(entry.id))
      throw refuse('backup-damaged', `${file} is damaged: blob ${entry.id} is listed twice.`);
    blobs.set(entry.id, data);
  }
  const listedTwice = (rows: readonly object[], key: string, what: string) => {
    const seen = new Set<unknown>();
    for (const row of rows) {
      const id = (row as Record<string, unknown>)[key];
      if (seen.has(id))
        throw refuse('backup-damaged', `${file} is damaged: ${what} is listed twice.`);
      seen.add(id);
    }
    return seen;
  };
  const workIds = listedTwice(rest.works, 'id', 'a work');
  listedTwice(rest.versions, 'id', 'a version');
  listedTwice(rest.presets, 'id', 'a preset');
  listedTwice(rest.drafts, 'workId', 'a draft');
  const leftOut: ReadBackup['leftOut'] = [];
  const registrations: StoredRegistration[] = [];
  for (const raw of rawRegistrations) {
    const check = await checkStoredRegistration(raw);
    if (!check.ok) {
      const { ok: _, ...why } = check;
      leftOut.push(why);
      continue;
    }
    const { pngBlobId, ...row } = check.row;
    registrations.push(pngBlobId && blobs.has(pngBlobId) ? { ...row, pngBlobId } : row);
  }
  listedTwice(registrations, 'id', 'a registration');
  const manifest: BackupManifest = { ...rest, registrations };
  const missing = (blobId: string, owner: string) => {
    if (!blobs.has(blobId)) {
      throw refuse(
        'backup-damaged',
        `${file} is damaged: ${owner} refers to image data ${blobId} that is not in it.`,
      );
    }
  };
  for (const w of rest.works) {
    missing(w.originalBlobId, `work "${displayName(w.title)}"`);
    missing(w.thumbBlobId, `work "${displayName(w.title)}"`);
  }
  for (const ver of rest.versions) {
    if (!workIds.has(ver.workId)) {
      throw refuse(
        'backup-damaged',
        `${file} is damaged: version ${ver.id} belongs to no work in it.`,
      );
    }
    missing(ver.blobId, `version ${ver.id}`);
    missing(ver.thumbBlobId, `version ${ver.id}`);
  }
  return { manifest, blobs, leftOut };
}
