/**
 * The networks a registration can be signed for and anchored on: the main EVM networks and their
 * public test networks, each with the registry at its one deterministic address. The local
 * development chain is listed only in a development build (`vite dev`), never in what ships.
 *
 * Chain facts (names, public RPC URLs offered to a wallet that must add the network, explorers)
 * come from viem's chain list; Atelier itself never calls these RPC URLs — reads and
 * transactions go through the person's wallet.
 */
import type { Chain } from 'viem';
import {
  arbitrum,
  arbitrumSepolia,
  base,
  baseSepolia,
  foundry,
  mainnet,
  optimism,
  optimismSepolia,
  polygon,
  polygonAmoy,
  sepolia,
} from 'viem/chains';
import { REGISTRY_ADDRESS, type Deployment } from './registry';

function deploymentOf(chain: Chain, name = chain.name): Deployment {
  return {
    chainId: chain.id,
    chainName: name,
    rpcUrls: [...chain.rpcUrls.default.http],
    nativeCurrency: { ...chain.nativeCurrency },
    registry: REGISTRY_ADDRESS,
    ...(chain.blockExplorers ? { explorerUrl: chain.blockExplorers.default.url } : {}),
    ...(chain.testnet ? { testnet: true } : {}),
  };
}

/** The public networks, main networks first, in the order Settings shows them. */
export const PUBLIC_NETWORKS: readonly Deployment[] = [
  deploymentOf(mainnet),
  deploymentOf(base),
  deploymentOf(optimism, 'Optimism'),
  deploymentOf(arbitrum),
  deploymentOf(polygon),
  deploymentOf(sepolia, 'Sepolia (test network)'),
  deploymentOf(baseSepolia, 'Base Sepolia (test network)'),
  deploymentOf(optimismSepolia, 'Optimism Sepolia (test network)'),
  deploymentOf(arbitrumSepolia, 'Arbitrum Sepolia (test network)'),
  deploymentOf(polygonAmoy, 'Polygon Amoy (test network)'),
];

/** The local development chain (anvil on 127.0.0.1:8545), for `vite dev` only. */
export const DEVELOPMENT_NETWORK: Deployment = deploymentOf(foundry, 'Local development chain');

/** Every network this build offers. */
export const NETWORKS: readonly Deployment[] = import.meta.env?.DEV
  ? [...PUBLIC_NETWORKS, DEVELOPMENT_NETWORK]
  : PUBLIC_NETWORKS;

/** The network Atelier signs for when the wallet is on one that is not listed. */
export const FALLBACK_NETWORK: Deployment = PUBLIC_NETWORKS[0]!;

export function networkById(chainId: number | null | undefined): Deployment | undefined {
  return NETWORKS.find((n) => n.chainId === chainId);
}

/** What the person chose in Settings: a chain id, or follow the wallet. */
export type NetworkChoice = 'wallet' | number;

/**
 * The network a registration is signed for: the person's choice when it is listed; else the
 * wallet's current network when listed; else the first public network (the wallet is then asked
 * to switch, never forced).
 */
export function chooseNetwork(choice: NetworkChoice, walletChainId: number | null): Deployment {
  if (choice !== 'wallet') {
    const chosen = networkById(choice);
    if (chosen) return chosen;
  }
  return networkById(walletChainId) ?? FALLBACK_NETWORK;
}
