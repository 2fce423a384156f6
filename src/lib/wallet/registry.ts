/**
 * The registry contract as the app knows it: the committed solc artifact (ABI with its custom
 * errors, so viem decodes `AlreadyClaimed` and friends) and the one address it has on every EVM
 * chain. Run `npm run contracts:build` after editing CopyrightRegistry.sol; a unit test checks
 * the artifact equals a fresh compile.
 *
 * The address is not configured anywhere: it is computed. The registry is deployed through the
 * deterministic CREATE2 deployment proxy that exists at the same address on (nearly) every EVM
 * chain; CREATE2's address depends only on the proxy, the salt and the init code, so the same
 * bytecode lands at the same address everywhere, whoever sends the one deploy transaction.
 */
import {
  concat,
  getContractAddress,
  keccak256,
  toBytes,
  type Abi,
  type Address,
  type Hex,
} from 'viem';
import artifact from './contracts/CopyrightRegistry.json';

export const registryAbi = artifact.abi as Abi;
export const registryBytecode = artifact.bytecode as Hex;

/**
 * The deterministic deployment proxy (github.com/Arachnid/deterministic-deployment-proxy): called
 * with `salt ‖ initCode` it CREATE2-deploys the init code and returns the new address.
 */
export const CREATE2_DEPLOYER: Address = '0x4e59b44847b379578588920cA78FbF26c0B4956C';

/** The salt every deployment of this registry version uses. */
export const REGISTRY_SALT: Hex = keccak256(toBytes('Atelier Copyright Registry v1'));

/** Where the registry lives on every chain (computed from the deployer, salt and bytecode). */
export const REGISTRY_ADDRESS: Address = getContractAddress({
  opcode: 'CREATE2',
  from: CREATE2_DEPLOYER,
  salt: REGISTRY_SALT,
  bytecode: registryBytecode,
});

/** The calldata of the one transaction (to CREATE2_DEPLOYER) that deploys the registry. */
export const REGISTRY_DEPLOY_DATA: Hex = concat([REGISTRY_SALT, registryBytecode]);

export interface Deployment {
  chainId: number;
  /** Shown to people and sent to the wallet when it needs to add the network. */
  chainName: string;
  rpcUrls: string[];
  nativeCurrency: { name: string; symbol: string; decimals: number };
  registry: Address;
  /** For links in the receipt, when the chain has one. */
  explorerUrl?: string;
  /** A public test network (its coins have no value). */
  testnet?: boolean;
}
