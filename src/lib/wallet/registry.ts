/**
 * The registry contract as the app knows it: the committed solc artifact (ABI with its custom
 * errors, so viem decodes `AlreadyRegistered` and friends) and the deployments the app signs for.
 * Run `npm run contracts:build` after editing CopyrightRegistry.sol; a unit test checks the
 * artifact equals a fresh compile.
 */
import type { Abi, Address, Hex } from 'viem';
import artifact from './contracts/CopyrightRegistry.json';

export const registryAbi = artifact.abi as Abi;
export const registryBytecode = artifact.bytecode as Hex;

export interface Deployment {
  chainId: number;
  /** Shown to people and sent to the wallet when it needs to add the network. */
  chainName: string;
  rpcUrls: string[];
  nativeCurrency: { name: string; symbol: string; decimals: number };
  registry: Address;
  /** For links in the receipt, when the chain has one. */
  explorerUrl?: string;
}

/**
 * Where registrations are signed for and anchored. The local development chain (anvil, the
 * registry being the first contract its first account deploys) is the default until a public
 * deployment exists; the domain (chainId + registry) is part of every signature.
 */
export const DEPLOYMENTS: readonly Deployment[] = [
  {
    chainId: 31337,
    chainName: 'Anvil (local)',
    rpcUrls: ['http://127.0.0.1:8545'],
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  },
];

export const DEFAULT_DEPLOYMENT: Deployment = DEPLOYMENTS[0]!;
