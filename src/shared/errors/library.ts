/**
 * Errors of the Library: importing images, storing works, backups. Callers branch on `code`.
 * `isQuotaError` recognises a full disk on every engine (Chromium, Firefox, old WebKit, and Dexie's
 * wrapping of them in an AbortError), see excalidraw #11962 and Dexie's QuotaExceededError docs.
 */
import { BaseError, type BaseErrorOptions } from './base';

export type LibraryErrorCode =
  /** The file has no bytes. */
  | 'empty-file'
  /** The bytes are not an image we know, whatever the name or MIME type say. */
  | 'not-an-image'
  /** An image format the studio does not take (SVG, HEIC, TIFF…). */
  | 'unsupported-format'
  /** Width × height above the pixel budget. */
  | 'too-large'
  /** The file ends before the image does. */
  | 'truncated'
  /** The header is malformed. */
  | 'corrupt'
  /** The browser could not decode the pixels. */
  | 'decode-failed'
  /** The browser refused to store more (quota). */
  | 'quota-exceeded'
  /** Any other storage failure (the transaction was rolled back). */
  | 'storage-failed'
  /** A work, version or blob that does not exist (any more). */
  | 'not-found'
  /** A title or tag outside its bounds. */
  | 'invalid-text'
  /** A backup that is not a zip, or whose contents do not match their manifest. */
  | 'backup-damaged'
  /** A zip that is not an Atelier backup. */
  | 'backup-foreign'
  /** A backup written by a newer Atelier. */
  | 'backup-newer'
  /** Another tab opened a newer database: this tab must reload. */
  | 'db-outdated';

export class LibraryError extends BaseError<LibraryErrorCode> {
  override name = 'LibraryError' as const;
  constructor(code: LibraryErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}

const QUOTA_NAMES = new Set([
  'QuotaExceededError',
  'NS_ERROR_DOM_QUOTA_REACHED',
  'QUOTA_EXCEEDED_ERR',
]);

/**
 * True when `error` (or what it wraps: Dexie's `inner`, a `cause`, a failed transaction's
 * `failures`) says storage is full: `QuotaExceededError` (Chromium, Safari),
 * `NS_ERROR_DOM_QUOTA_REACHED` / code 1014 (Firefox), `QUOTA_EXCEEDED_ERR` / code 22 (old WebKit).
 */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    inner?: unknown;
    cause?: unknown;
    failures?: unknown;
    message?: unknown;
  };
  if (typeof e.name === 'string' && QUOTA_NAMES.has(e.name)) return true;
  if (e.code === 'quota-exceeded' || e.code === 1014 || e.code === 22) return true;
  if (
    typeof e.message === 'string' &&
    /QuotaExceeded|quota (has been )?exceeded/i.test(e.message)
  ) {
    return true;
  }
  if (isQuotaError(e.inner, depth + 1) || isQuotaError(e.cause, depth + 1)) return true;
  if (Array.isArray(e.failures)) return e.failures.some((f) => isQuotaError(f, depth + 1));
  return false;
}

/** Turns a failed write into a LibraryError: `quota-exceeded` or `storage-failed`. */
export function storageError(error: unknown, what: string): LibraryError {
  if (error instanceof LibraryError) return error;
  if (isQuotaError(error)) {
    return new LibraryError(
      'quota-exceeded',
      `Storage is full: ${what} was not saved. Nothing was half-written; free some space ` +
        `(delete works or back up and clear) and try again.`,
      { cause: error, details: { what } },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new LibraryError('storage-failed', `${what} could not be saved: ${reason}`, {
    cause: error,
    details: { what },
  });
}
