/** Messages shown to the person at the UI edge (only `handleError` and rooms add them). */
export type ToastKind = 'error' | 'info' | 'success';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** Technical text shown only behind "Details". */
  details?: string;
}

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  push(
    kind: ToastKind,
    message: string,
    timeoutMs = kind === 'error' ? 10_000 : 5_000,
    details?: string,
  ): number {
    // The same message twice in a row is shown once.
    const same = this.items.find((t) => t.message === message && t.kind === kind);
    if (same) return same.id;
    const id = this.#next++;
    this.items.push({ id, kind, message, ...(details ? { details } : {}) });
    if (timeoutMs > 0) setTimeout(() => this.dismiss(id), timeoutMs);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
