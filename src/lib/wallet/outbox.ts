/**
 * The anchoring outbox: signed registrations wait here (offline, or until the person asks) and
 * are sent to the registry one at a time when the person confirms. Each item moves
 * queued → sent (tx hash kept) → confirmed (receipt kept) or failed (reason kept).
 * A wallet refusal (4001) leaves the item queued — nothing is lost — and stops the run.
 * Claims are not exclusive: someone else's claim on the same work never stops the artist's.
 * The author's claim already on-chain with the same nonce (sent from elsewhere, or by anyone who
 * relayed the signature) counts as confirmed; an earlier claim by the same author under another
 * signature fails with that reason (each author claims a work once per network).
 */
import type { Hex } from 'viem';
import { hasCode } from '../../shared/errors/base';
import { parseCertificate } from '../../shared/registration/certificate';
import type { WalletConnection, PlainReceipt } from './connection';
import { toWalletError } from './errors';
import type { Deployment } from './registry';

export interface AnchorState {
  status: 'queued' | 'sent' | 'confirmed' | 'failed';
  txHash?: string;
  receipt?: PlainReceipt;
  error?: string;
  errorCode?: string;
  updatedAt?: number;
}

export interface OutboxItem {
  id: string;
  certificate: unknown;
  anchor?: AnchorState;
}

/** Where the outbox lives (src/lib/db/registrations.ts implements it on Dexie). */
export interface OutboxStore {
  pending(): Promise<OutboxItem[]>;
  setAnchor(id: string, anchor: AnchorState): Promise<void>;
}

export interface OutboxRun {
  confirmed: number;
  failed: number;
  /** True when the person declined in the wallet; the rest stays queued. */
  cancelled: boolean;
}

/**
 * Sends every pending item (queued, or sent but never confirmed) for `deployment`.
 * @throws nothing for per-item failures (they are recorded); rethrows connection-level errors
 *   other than a refusal (e.g. `wallet-not-connected`) after recording them as still queued.
 */
export async function sendOutbox(options: {
  connection: WalletConnection;
  deployment: Deployment;
  store: OutboxStore;
  onUpdate?: (id: string, anchor: AnchorState) => void;
}): Promise<OutboxRun> {
  const { connection, deployment, store, onUpdate } = options;
  const run: OutboxRun = { confirmed: 0, failed: 0, cancelled: false };
  const set = async (id: string, anchor: AnchorState) => {
    const stamped = { ...anchor, updatedAt: Date.now() };
    await store.setAnchor(id, stamped);
    onUpdate?.(id, stamped);
  };
  for (const item of await store.pending()) {
    let parsed;
    try {
      parsed = parseCertificate(item.certificate);
    } catch (error) {
      await set(item.id, {
        status: 'failed',
        error: (error as Error).message,
        errorCode: 'certificate-malformed',
      });
      run.failed++;
      continue;
    }
    const { typed, signature } = parsed;
    if (
      typed.domain.chainId !== deployment.chainId ||
      typed.domain.verifyingContract !== deployment.registry
    ) {
      continue; // signed for another registry: it waits for that one
    }
    try {
      let txHash =
        item.anchor?.status === 'sent' ? (item.anchor.txHash as Hex | undefined) : undefined;
      if (!txHash) {
        const mine = await connection.claimOf(
          deployment,
          typed.message.contentHash,
          typed.message.author,
        );
        if (mine) {
          if (mine.nonce === typed.message.nonce) {
            await set(item.id, { status: 'confirmed' });
            run.confirmed++;
          } else {
            await set(item.id, {
              status: 'failed',
              error:
                'You already anchored a claim on this work on this network (another signature).',
              errorCode: 'AlreadyClaimed',
            });
            run.failed++;
          }
          continue;
        }
        txHash = (await connection.anchor(deployment, typed, signature)).txHash;
        await set(item.id, { status: 'sent', txHash });
      }
      const receipt = await connection.waitForReceipt(deployment, txHash);
      if (receipt.status === 'success') {
        await set(item.id, { status: 'confirmed', txHash, receipt });
        run.confirmed++;
      } else {
        await set(item.id, {
          status: 'failed',
          txHash,
          receipt,
          error: 'The transaction reverted.',
        });
        run.failed++;
      }
    } catch (error) {
      const walletError = toWalletError(error);
      if (walletError.code === 'wallet-rejected') {
        run.cancelled = true;
        return run;
      }
      if (walletError.code === 'wallet-tx-reverted') {
        await set(item.id, {
          status: 'failed',
          error: walletError.message,
          errorCode: String(walletError.details.errorName ?? walletError.code),
        });
        run.failed++;
        continue;
      }
      // Network, timeout, disconnected: keep it pending and let the person try again.
      if (hasCode(walletError)) throw walletError;
    }
  }
  return run;
}
