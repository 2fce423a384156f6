/** Which network a registration is signed for, and what the network list holds. */
import { describe, expect, it } from 'vitest';
import {
  chooseNetwork,
  DEVELOPMENT_NETWORK,
  FALLBACK_NETWORK,
  NETWORKS,
  PUBLIC_NETWORKS,
} from './networks';
import { REGISTRY_ADDRESS } from './registry';

describe('networks', () => {
  it('lists the main networks and their public test networks, all with the one registry address', () => {
    expect(PUBLIC_NETWORKS.map((n) => [n.chainId, n.chainName, n.testnet ?? false])).toEqual([
      [1, 'Ethereum', false],
      [8453, 'Base', false],
      [10, 'Optimism', false],
      [42161, 'Arbitrum One', false],
      [137, 'Polygon', false],
      [11155111, 'Sepolia (test network)', true],
      [84532, 'Base Sepolia (test network)', true],
      [11155420, 'Optimism Sepolia (test network)', true],
      [421614, 'Arbitrum Sepolia (test network)', true],
      [80002, 'Polygon Amoy (test network)', true],
    ]);
    for (const n of NETWORKS) expect(n.registry).toBe(REGISTRY_ADDRESS);
    for (const n of PUBLIC_NETWORKS) expect(n.rpcUrls[0]).toMatch(/^https:\/\//);
    expect(PUBLIC_NETWORKS.some((n) => n.chainId === 31337)).toBe(false);
    expect(PUBLIC_NETWORKS.some((n) => /anvil|local/i.test(n.chainName))).toBe(false);
  });

  it("follows the wallet's network when it is listed", () => {
    expect(chooseNetwork('wallet', 1).chainId).toBe(1);
    expect(chooseNetwork('wallet', 8453).chainName).toBe('Base');
  });

  it('falls back to Ethereum (the wallet is then asked to switch) on an unlisted network', () => {
    expect(chooseNetwork('wallet', 56)).toBe(FALLBACK_NETWORK);
    expect(chooseNetwork('wallet', null)).toBe(FALLBACK_NETWORK);
    expect(FALLBACK_NETWORK.chainId).toBe(1);
  });

  it("uses the artist's choice over the wallet's network, unless the choice is not listed", () => {
    expect(chooseNetwork(10, 1).chainId).toBe(10);
    expect(chooseNetwork(999_999, 8453).chainId).toBe(8453);
  });

  it('offers the local development chain only in a development build', () => {
    // Vitest runs as a development build; the production list is PUBLIC_NETWORKS.
    expect(NETWORKS).toContain(DEVELOPMENT_NETWORK);
    expect(DEVELOPMENT_NETWORK.chainId).toBe(31337);
  });
});
