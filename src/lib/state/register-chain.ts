/**
 * Pure helpers of the Register room's on-chain side: which listed network a certificate was
 * signed for, which networks the outbox has work for, and the verifier's view of every claim on
 * a work (in anchoring order, the first one marked, the file's own signer recognised).
 */
import type { Address } from 'viem';
import type { RegistrationTypedData } from '../../shared/registration/typed-data';
import type { RegistrationRow } from '../db/registrations';
import type { OnChainClaim } from '../wallet/connection';
import { networkById } from '../wallet/networks';
import type { Deployment } from '../wallet/registry';

/** The listed network a registration was signed for, or undefined (another chain or registry). */
export function networkOfDomain(domain: {
  chainId: number;
  verifyingContract: string;
}): Deployment | undefined {
  const network = networkById(domain.chainId);
  return network && network.registry.toLowerCase() === domain.verifyingContract.toLowerCase()
    ? network
    : undefined;
}

/** The listed networks that pending rows wait for, and how many rows wait for none of them. */
export function pendingNetworks(rows: readonly RegistrationRow[]): {
  networks: Deployment[];
  unlisted: number;
} {
  const networks = new Map<number, Deployment>();
  let unlisted = 0;
  for (const row of rows) {
    const status = row.anchor?.status;
    if (status !== 'queued' && status !== 'sent') continue;
    const network = networkOfDomain(row.certificate.domain);
    if (network) networks.set(network.chainId, network);
    else unlisted++;
  }
  return { networks: [...networks.values()], unlisted };
}

export interface ClaimView {
  author: Address;
  /** The block time it was anchored (seconds). */
  registeredAt: number;
  first: boolean;
  /** This claim is the registration inside the verified file (same author and nonce). */
  thisFile: boolean;
}

/** Every claim on the verified work, in the order the registry keeps them (first = index 0). */
export function claimViews(
  claims: readonly OnChainClaim[],
  typed: RegistrationTypedData,
): ClaimView[] {
  return claims.map((c, i) => ({
    author: c.author,
    registeredAt: Number(c.registeredAt),
    first: i === 0,
    thisFile: c.author === typed.message.author && c.nonce === typed.message.nonce,
  }));
}

/** One sentence on the claims, for the verifier's status line. */
export function claimsSummary(views: readonly ClaimView[], networkName: string): string {
  if (views.length === 0) return `Not anchored on ${networkName} yet.`;
  const when = (s: number) => new Date(s * 1000).toLocaleString();
  const first = views[0]!;
  const own = views.find((v) => v.thisFile);
  const count = views.length === 1 ? 'one claim' : `${views.length} claims`;
  if (own?.first) {
    const rest = views.length === 1 ? '' : `, the first of ${count}`;
    return `Anchored on ${networkName} by the author on ${when(own.registeredAt)}${rest}.`;
  }
  if (own) {
    return `Anchored on ${networkName} by the author on ${when(own.registeredAt)}; another address claimed it first, on ${when(first.registeredAt)} (${count} in all).`;
  }
  return `The author has not anchored this on ${networkName}; ${count} by other addresses, the first on ${when(first.registeredAt)}.`;
}
