/**
 * Small settings kept in this browser's localStorage as JSON. Reading never throws (missing,
 * damaged or blocked storage reads as nothing: the caller checks each field); writing never
 * throws either (full or disabled storage: the choice still applies for this session).
 */

/** The object stored under `key`, or `{}` when there is none or it cannot be read. */
export function loadStored(key: string): Record<string, unknown> {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    const value: unknown = raw ? JSON.parse(raw) : {};
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Stores `value` under `key` when storage allows. */
export function saveStored(key: string, value: Record<string, unknown>): void {
  try {
    globalThis.localStorage?.setItem(key, JSON.stringify(value));
  } catch {
    // Full or disabled storage: nothing to keep, nothing lost for this session.
  }
}
