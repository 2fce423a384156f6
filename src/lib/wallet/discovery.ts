/**
 * Finds injected wallets: EIP-6963 announcements through mipd's store, and the legacy
 * `window.ethereum` when no wallet announces itself.
 * Announcements are untrusted input: names are cut to plain text length, icons are kept only
 * when they are `data:image/…` URIs (shown through `<img>`, never inlined), and nothing
 * connects until the person picks a wallet.
 */
import { createStore, type EIP6963ProviderDetail, type Store } from 'mipd';
import type { EIP1193Provider } from 'viem';

export interface WalletOption {
  /** The EIP-6963 uuid, or `injected` for window.ethereum. */
  id: string;
  name: string;
  /** A data:image URI, or null (the UI shows a placeholder). */
  icon: string | null;
  rdns: string;
  provider: EIP1193Provider;
}

const MAX_NAME = 48;
const SAFE_ICON = /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i;

/** A wallet's announced info, made safe to show. */
export function sanitizeInfo(info: {
  uuid?: unknown;
  name?: unknown;
  icon?: unknown;
  rdns?: unknown;
}) {
  const text = (v: unknown, max: number) =>
    typeof v === 'string'
      ? [...v]
          .filter((c) => c >= ' ' && c !== '\u007f')
          .join('')
          .trim()
          .slice(0, max)
      : '';
  const name = text(info.name, MAX_NAME) || 'Unnamed wallet';
  const icon =
    typeof info.icon === 'string' && SAFE_ICON.test(info.icon) && info.icon.length < 200_000
      ? info.icon
      : null;
  return { id: text(info.uuid, 64), name, icon, rdns: text(info.rdns, 100) };
}

function fromDetail(detail: EIP6963ProviderDetail): WalletOption | null {
  const provider = detail?.provider as unknown as EIP1193Provider | undefined;
  if (!provider || typeof provider.request !== 'function') return null;
  const info = sanitizeInfo(detail.info ?? {});
  if (!info.id) return null;
  return { ...info, provider };
}

function legacy(): WalletOption | null {
  const ethereum = (globalThis as { ethereum?: EIP1193Provider }).ethereum;
  if (!ethereum || typeof ethereum.request !== 'function') return null;
  return { id: 'injected', name: 'Browser wallet', icon: null, rdns: '', provider: ethereum };
}

let store: Store | undefined;

/**
 * Watches for wallets and calls `onChange` with the current list (at once, and on every
 * announcement). Returns a function that stops watching.
 */
export function watchWallets(onChange: (wallets: WalletOption[]) => void): () => void {
  store ??= createStore();
  const emit = (details: readonly EIP6963ProviderDetail[]) => {
    const announced = details.map(fromDetail).filter((w): w is WalletOption => w !== null);
    // Only when nobody announced: wallets that announce usually also inject window.ethereum.
    const fallback = announced.length === 0 ? legacy() : null;
    onChange(fallback ? [fallback] : announced);
  };
  const unsubscribe = store.subscribe(emit, { emitImmediately: true });
  return unsubscribe;
}

/** Asks wallets to announce themselves again (after a wallet extension was enabled). */
export function rescanWallets(): void {
  store?.reset();
}
