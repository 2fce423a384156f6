/**
 * Errors of the wallet and of copyright registrations. Every EIP-1193 outcome has its own code so
 * the Register room can show a clear state (a quiet "cancelled" for 4001, "check your wallet" for a
 * pending request, "add the network" for 4902, …). Callers branch on `code`, never on messages.
 */
import { BaseError, type BaseErrorOptions } from './base';

export type WalletErrorCode =
  /** EIP-1193 4001: the person said no. Nothing is lost; shown quietly. */
  | 'wallet-rejected'
  /** EIP-1193 4100: the site is not authorised for that account or method. */
  | 'wallet-unauthorized'
  /** EIP-1193 4200: the wallet does not support the method. */
  | 'wallet-unsupported-method'
  /** EIP-1193 4900: the wallet is disconnected from every chain. */
  | 'wallet-disconnected'
  /** EIP-1193 4901: the wallet is not connected to the requested chain. */
  | 'wallet-chain-disconnected'
  /** EIP-3326 4902 (and the -32603 variants some wallets send): the wallet does not know the chain. */
  | 'wallet-unknown-chain'
  /** -32002: a request is already waiting in the wallet. */
  | 'wallet-request-pending'
  /** -32603 and other JSON-RPC failures. */
  | 'wallet-internal'
  /** No injected wallet was found. */
  | 'wallet-not-found'
  /** No account is connected (call connect first). */
  | 'wallet-not-connected'
  /** The wallet did not answer in time. */
  | 'wallet-timeout'
  /** The chain or account changed while a request was in flight: the flow restarts. */
  | 'wallet-context-changed'
  /** The wallet is on another chain than the one the record is for. */
  | 'wallet-wrong-chain'
  /** The wallet returned a signature that does not recover to the connected account. */
  | 'wallet-bad-signature'
  /** The transaction reverted (details.errorName names the contract error). */
  | 'wallet-tx-reverted'
  /** Typed data that would be malformed was caught before the wallet saw it. */
  | 'registration-invalid'
  /** A certificate or PNG that cannot be read as an Atelier registration. */
  | 'certificate-malformed'
  /** A PNG file that is not valid (signature, chunk CRC, truncated, unsupported). */
  | 'png-invalid'
  /** The chosen network has no registry at its deterministic address yet (offer to deploy it). */
  | 'registry-missing'
  /** The chosen network lacks the deterministic CREATE2 deployment proxy. */
  | 'deployer-missing';

export class WalletError extends BaseError<WalletErrorCode> {
  override name = 'WalletError' as const;
  constructor(code: WalletErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}

/** EIP-1193 / EIP-3326 / JSON-RPC numeric codes and the Atelier code each maps to. */
export const PROVIDER_CODES: Readonly<Record<number, WalletErrorCode>> = {
  4001: 'wallet-rejected',
  4100: 'wallet-unauthorized',
  4200: 'wallet-unsupported-method',
  4900: 'wallet-disconnected',
  4901: 'wallet-chain-disconnected',
  4902: 'wallet-unknown-chain',
  [-32002]: 'wallet-request-pending',
  [-32603]: 'wallet-internal',
};
