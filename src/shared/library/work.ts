/**
 * The row types of a work, its albums and its versions, as the database keeps them and the rooms
 * show them. Types only: src/lib/db stores them (schema.ts), the UI reads them through state.
 */
import type { TrainingChoice } from '../provenance/manifest';

/** A work: an image the artist brought in, with its metadata. The pixels live in `blobs`. */
export interface Work {
  id: string;
  title: string;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  /** Blob id of the original file as imported. */
  originalBlobId: string;
  /** Blob id of the thumbnail (WebP/PNG, longest side ≤ 512). */
  thumbBlobId: string;
  width: number;
  height: number;
  mime: string;
  bytes: number;
  /** SHA-256 (hex) of the original bytes. */
  sha256: string;
  /** Dominant colours (#rrggbb), most common first. */
  palette: string[];
  /** Soft delete: set while the undo window is open, then the row is purged. */
  deletedAt?: number;
  /** Texts kept from the Write room, by generator id. */
  texts?: Record<string, string>;
  /** The artist's rating, 1–5 stars (absent or 0: not rated). */
  rating?: number;
  /** Picked or rejected (absent: neither). */
  flag?: WorkFlag;
  /** The albums the work is in (a work can be in several). */
  albumIds?: string[];
  /** The artist's AI training choice for this work (absent: their default in Settings). */
  training?: TrainingChoice;
}

export type WorkFlag = 'pick' | 'reject';

/** An album: a named collection of works (the works list their albums). */
export interface Album {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

/** A version of a work: what the Render room (or others) produced from it. */
export interface Version {
  id: string;
  workId: string;
  createdAt: number;
  label: string;
  /** The effect stack that produced it (plain data, see src/shared/effects). */
  stack: unknown;
  /** Engine, backend and model versions used. */
  engine: Record<string, string>;
  blobId: string;
  thumbBlobId: string;
  width: number;
  height: number;
}
