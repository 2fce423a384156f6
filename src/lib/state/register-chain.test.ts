/** The verifier's view of every claim on a work, and the outbox's networks. */
import { describe, expect, it } from 'vitest';
import { buildRegistration } from '../../shared/registration/typed-data';
import type { RegistrationRow } from '../db/registrations';
import { REGISTRY_ADDRESS } from '../wallet/registry';
import { claimsSummary, claimViews, networkOfDomain, pendingNetworks } from './register-chain';

const ARTIST = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const OTHER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const typed = buildRegistration({
  chainId: 8453,
  verifyingContract: REGISTRY_ADDRESS,
  contentHash: `0x${'ab'.repeat(32)}`,
  perceptualHash: '0x0102030405060708',
  title: 'Tide',
  author: ARTIST,
  createdAt: 1_767_225_600,
  licenseId: 'CC-BY-4.0',
  nonce: 9n,
});
const claim = (author: string, at: number, nonce: bigint) =>
  ({
    author,
    perceptualHash: '0x0102030405060708',
    createdAt: 0n,
    registeredAt: BigInt(at),
    nonce,
  }) as const;

describe('claims on a work', () => {
  it('keeps the order, marks the first and the file’s own claim', () => {
    const views = claimViews(
      [claim(OTHER, 1_767_300_000, 1n), claim(ARTIST, 1_767_400_000, 9n)] as never,
      typed,
    );
    expect(views.map((v) => [v.author, v.first, v.thisFile])).toEqual([
      [OTHER, true, false],
      [ARTIST, false, true],
    ]);
    expect(claimsSummary(views, 'Base')).toMatch(
      /^Anchored on Base by the author on .+; another address claimed it first, on .+ \(2 claims in all\)\.$/,
    );
  });

  it('says when the author is first, alone, or absent', () => {
    const alone = claimViews([claim(ARTIST, 1_767_400_000, 9n)] as never, typed);
    expect(claimsSummary(alone, 'Base')).toMatch(/^Anchored on Base by the author on .+\.$/);
    expect(claimsSummary(alone, 'Base')).not.toMatch(/first|claims/);
    const notMine = claimViews([claim(OTHER, 1_767_300_000, 1n)] as never, typed);
    expect(claimsSummary(notMine, 'Base')).toMatch(
      /^The author has not anchored this on Base; one claim by other addresses/,
    );
    expect(claimsSummary([], 'Base')).toBe('Not anchored on Base yet.');
  });

  it('finds the listed network of a signature, and none for another registry', () => {
    expect(networkOfDomain(typed.domain)?.chainName).toBe('Base');
    expect(
      networkOfDomain({ chainId: 8453, verifyingContract: OTHER.toLowerCase() }),
    ).toBeUndefined();
    expect(networkOfDomain({ chainId: 56, verifyingContract: REGISTRY_ADDRESS })).toBeUndefined();
  });

  it('groups pending outbox rows by listed network and counts the rest', () => {
    const row = (chainId: number, registry: string, status?: 'queued' | 'sent' | 'confirmed') =>
      ({
        certificate: { domain: { chainId, verifyingContract: registry } },
        ...(status ? { anchor: { status } } : {}),
      }) as unknown as RegistrationRow;
    const { networks, unlisted } = pendingNetworks([
      row(8453, REGISTRY_ADDRESS, 'queued'),
      row(8453, REGISTRY_ADDRESS, 'sent'),
      row(1, REGISTRY_ADDRESS, 'confirmed'),
      row(10, REGISTRY_ADDRESS),
      row(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3', 'queued'),
    ]);
    expect(networks.map((n) => n.chainId)).toEqual([8453]);
    expect(unlisted).toBe(1);
  });
});
