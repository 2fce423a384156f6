/**
 * The one Atelier database (Dexie on IndexedDB): every table of every room, with its row types.
 * Only src/lib/db/ touches Dexie; rooms use the small APIs beside this file.
 *
 * CHANGE ONLY WITH A MIGRATION: never edit a published version's stores. Add `db.version(n + 1)`
 * with the new stores and an `upgrade()` when rows need rewriting, and add its migration test
 * (build the old database by hand, open it with this code, check the rows).
 */
import Dexie, { type EntityTable } from 'dexie';
import type { Album, Version, Work } from '../../shared/library/work';

export type { Album, Version, Work, WorkFlag } from '../../shared/library/work';

export const DB_NAME = 'atelier';

export interface BlobRow {
  id: string;
  blob: Blob;
  sha256: string;
  bytes: number;
  mime: string;
}

export interface Preset {
  id: string;
  name: string;
  stack: unknown;
  createdAt: number;
  updatedAt: number;
}

/** The stack being edited for a work, saved as it changes so a reload loses nothing. */
export interface Draft {
  workId: string;
  stack: unknown;
  updatedAt: number;
}

/** A raw analytics event (Insights). `type` is open-ended: unknown types are skipped, not fatal. */
export interface AnalyticsEvent {
  id?: number;
  type: string;
  at: number;
  workId?: string;
  data?: Record<string, unknown>;
}

/** Daily rollup of events, kept incrementally: key `${day}|${metric}`. */
export interface Rollup {
  key: string;
  day: string;
  metric: string;
  count: number;
  sum: number;
  extra?: Record<string, number>;
}

/** A signed copyright registration certificate (Register). */
export interface Registration {
  id: string;
  workId: string;
  versionId?: string;
  contentHash: string;
  perceptualHash: string;
  author: string;
  chainId: number;
  createdAt: number;
  /** The certificate JSON (domain, types, primaryType, message, signature). */
  certificate: unknown;
  anchor?: {
    status: 'queued' | 'sent' | 'confirmed' | 'failed';
    txHash?: string;
    receipt?: unknown;
    error?: string;
  };
}

/** A text model the artist imported or downloaded (Write). Files live in `blobs`. */
export interface TextModelRow {
  id: string;
  name: string;
  source: 'bundled' | 'imported' | 'downloaded';
  licence: string;
  bytes: number;
  files: Record<string, string>;
  addedAt: number;
}

/** Small key/value facts: last backup time, persistence asked, etc. */
export interface MetaRow {
  key: string;
  value: unknown;
}

export type AtelierDb = Dexie & {
  works: EntityTable<Work, 'id'>;
  blobs: EntityTable<BlobRow, 'id'>;
  versions: EntityTable<Version, 'id'>;
  presets: EntityTable<Preset, 'id'>;
  drafts: EntityTable<Draft, 'workId'>;
  events: EntityTable<AnalyticsEvent, 'id'>;
  rollups: EntityTable<Rollup, 'key'>;
  registrations: EntityTable<Registration, 'id'>;
  textModels: EntityTable<TextModelRow, 'id'>;
  meta: EntityTable<MetaRow, 'key'>;
  albums: EntityTable<Album, 'id'>;
};

/** Version 1 stores. Published: change only with a migration (see the note at the top). */
export const STORES_V1 = {
  works: 'id, createdAt, updatedAt, title, *tags, sha256, deletedAt',
  blobs: 'id, sha256',
  versions: 'id, workId, createdAt',
  presets: 'id, name, updatedAt',
  drafts: 'workId, updatedAt',
  events: '++id, type, at, workId, [type+at]',
  rollups: 'key, day, metric',
  registrations: 'id, workId, contentHash, perceptualHash, author, createdAt',
  textModels: 'id, source',
  meta: 'key',
} as const;

/**
 * Version 2: raw analytics events keep only the `at` index (retention reads it). The charts read
 * rollups, never raw events by type or work, and every index is one more B-tree write per event:
 * dropping `type`, `workId` and `[type+at]` makes ingest cheaper. Rows are unchanged.
 */
export const STORES_V2 = { ...STORES_V1, events: '++id, at' } as const;

/**
 * Version 3: works can be rated, flagged and put in albums. The new work fields are indexed
 * (`rating`, `flag`, `*albumIds`) and albums get their own table. Rows need no rewrite: an absent
 * rating is "not rated", an absent flag "neither", absent albumIds "in no album".
 */
export const STORES_V3 = {
  ...STORES_V2,
  works: `${STORES_V1.works}, rating, flag, *albumIds`,
  albums: 'id, name, createdAt',
} as const;

/** Opens (creating or upgrading) the database. Tests pass their own name. */
export function openDb(name = DB_NAME): AtelierDb {
  // Chromium commits IndexedDB transactions 'relaxed' by default: `complete` may fire before the
  // data reaches the disk, so a power cut could lose a work the studio said was saved. 'strict'
  // flushes first; the writes that are frequent (analytics) are already batched, so the cost is
  // one flush per import, save or flush of the event queue.
  const db = new Dexie(name, { chromeTransactionDurability: 'strict' }) as AtelierDb;
  db.version(1).stores(STORES_V1);
  db.version(2).stores({ events: STORES_V2.events });
  db.version(3).stores({ works: STORES_V3.works, albums: STORES_V3.albums });
  return db;
}
