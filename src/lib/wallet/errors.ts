/**
 * Maps whatever a wallet or viem throws to a WalletError with a code the Register room can act
 * on. Wallets differ in shape: EIP-1193 puts a numeric `code` on the error; viem wraps it in its
 * own errors (`cause` chain); MetaMask mobile nests the real code in `data.originalError.code`;
 * Coinbase returns -32603 where EIP-3326 says 4902 (coinbase-wallet-sdk #915). A generic code
 * (-32603, -32000) never hides a more specific one found deeper.
 */
import { BaseError as ViemBaseError, ContractFunctionRevertedError } from 'viem';
import { PROVIDER_CODES, WalletError, type WalletErrorCode } from '../../shared/errors/wallet';

const GENERIC = new Set([-32603, -32000, -1]);
const UNKNOWN_CHAIN =
  /unrecognized chain|unknown chain|chain .*not (been )?added|try adding the chain/i;

const MESSAGES: Record<WalletErrorCode, string> = {
  'wallet-rejected': 'Cancelled in the wallet.',
  'wallet-unauthorized': 'The wallet has not authorised Atelier for this account. Connect again.',
  'wallet-unsupported-method': 'This wallet cannot sign structured (EIP-712) data.',
  'wallet-disconnected': 'The wallet is disconnected. Unlock it or reconnect.',
  'wallet-chain-disconnected': 'The wallet is not connected to this network.',
  'wallet-unknown-chain': 'The wallet does not know this network yet.',
  'wallet-request-pending': 'A request is already waiting in your wallet: check it.',
  'wallet-internal': 'The wallet reported an internal error.',
  'wallet-not-found': 'No wallet was found in this browser.',
  'wallet-not-connected': 'Connect a wallet first.',
  'wallet-timeout': 'The wallet did not answer in time.',
  'wallet-context-changed': 'The wallet switched account or network; start again.',
  'wallet-wrong-chain': 'The wallet is on another network.',
  'wallet-bad-signature': 'The wallet returned a signature that is not from the connected account.',
  'wallet-tx-reverted': 'The registry refused the transaction.',
  'registration-invalid': 'The registration is not valid.',
  'certificate-malformed': 'This is not a valid certificate.',
  'png-invalid': 'This PNG cannot be read.',
  'registry-missing': 'This network has no registry yet — deploy it.',
  'deployer-missing':
    'This network lacks the standard deployment proxy, so the registry cannot be deployed at its usual address there.',
};

/** The default sentence for a code (messages from wallets are often cryptic or absent). */
export function walletMessage(code: WalletErrorCode): string {
  return MESSAGES[code];
}

interface Found {
  code: number;
  message: string;
}

/** Every numeric code in the error, its `cause` chain and nested `data.originalError` / `error`. */
function codesIn(error: unknown): Found[] {
  const found: Found[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length && seen.size < 32) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const r = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      data?: unknown;
      error?: unknown;
    };
    const message = typeof r.message === 'string' ? r.message : '';
    if (typeof r.code === 'number') found.push({ code: r.code, message });
    else if (typeof r.code === 'string' && /^-?\d+$/.test(r.code))
      found.push({ code: Number(r.code), message });
    queue.push(r.cause, r.error);
    if (typeof r.data === 'object' && r.data !== null) {
      const data = r.data as { originalError?: unknown; code?: unknown; message?: unknown };
      queue.push(data.originalError);
      if (typeof data.code === 'number') queue.push(data);
    }
  }
  return found;
}

/** The EIP-1193 / JSON-RPC code that best describes `error`, if any. */
export function providerCode(error: unknown): number | undefined {
  const found = codesIn(error);
  return (found.find((f) => !GENERIC.has(f.code)) ?? found[0])?.code;
}

function allMessages(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 8 && typeof e === 'object' && e !== null; i++) {
    const r = e as {
      message?: unknown;
      details?: unknown;
      shortMessage?: unknown;
      cause?: unknown;
    };
    for (const m of [r.message, r.details, r.shortMessage])
      if (typeof m === 'string') parts.push(m);
    e = r.cause;
  }
  return [...parts, ...codesIn(error).map((f) => f.message)].join(' | ');
}

/**
 * Turns anything a wallet call threw into a WalletError (returned as-is when it already is one).
 * A reverted contract call becomes `wallet-tx-reverted` with details.errorName and details.args.
 */
export function toWalletError(error: unknown): WalletError {
  if (error instanceof WalletError) return error;
  if (error instanceof ViemBaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const errorName = revert.data?.errorName ?? 'unknown';
      return new WalletError('wallet-tx-reverted', revertMessage(errorName), {
        cause: error,
        details: {
          errorName,
          args: (revert.data?.args ?? []).map((a) => (typeof a === 'bigint' ? a.toString() : a)),
        },
      });
    }
  }
  const numeric = providerCode(error);
  let code: WalletErrorCode =
    (numeric !== undefined && PROVIDER_CODES[numeric]) || 'wallet-internal';
  if ((numeric === undefined || GENERIC.has(numeric)) && UNKNOWN_CHAIN.test(allMessages(error))) {
    code = 'wallet-unknown-chain';
  }
  return new WalletError(code, MESSAGES[code], {
    cause: error,
    details: numeric === undefined ? {} : { providerCode: numeric },
  });
}

function revertMessage(errorName: string): string {
  switch (errorName) {
    case 'AlreadyClaimed':
      return 'You have already anchored a claim on this work on this network.';
    case 'NonceAlreadyUsed':
      return 'This signature was cancelled or already used; sign the work again.';
    case 'InvalidSignature':
      return 'The registry did not accept the signature for this network.';
    case 'NotAuthor':
      return 'Only the author can send this registration directly.';
    default:
      return MESSAGES['wallet-tx-reverted'];
  }
}
