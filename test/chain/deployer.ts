/**
 * The deterministic CREATE2 deployment proxy on a test chain, and the registry deployed through
 * it exactly as the app does it (one transaction: salt ‖ init code, sent to the proxy).
 * Anvil ships the proxy by default; a chain started without it gets it placed with
 * `anvil_setCode`, as on a network where someone sent the proxy's well-known deploy transaction.
 */
import {
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem';
import { foundry } from 'viem/chains';
import {
  CREATE2_DEPLOYER,
  REGISTRY_ADDRESS,
  REGISTRY_DEPLOY_DATA,
} from '../../src/lib/wallet/registry';

/**
 * The proxy's runtime code (the same bytes on every chain it lives on): it copies the calldata
 * after the 32-byte salt into memory, CREATE2s it and returns the 20-byte address.
 */
export const CREATE2_DEPLOYER_CODE: Hex =
  '0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3';

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Places the proxy when the chain lacks it. Returns true when it had to place it. */
export async function ensureCreate2Deployer(url: string): Promise<boolean> {
  const code = (await rpc(url, 'eth_getCode', [CREATE2_DEPLOYER, 'latest'])) as Hex;
  if (code === CREATE2_DEPLOYER_CODE) return false;
  if (code !== '0x') throw new Error(`Unexpected code at the CREATE2 proxy: ${code}`);
  await rpc(url, 'anvil_setCode', [CREATE2_DEPLOYER, CREATE2_DEPLOYER_CODE]);
  return true;
}

/** Deploys the registry through the proxy; returns where its code now is. */
export async function deployRegistry(
  url: string,
  account: PrivateKeyAccount,
  chainId = 31337,
): Promise<Address> {
  const chain = { ...foundry, id: chainId };
  const transport = http(url);
  const hash = await createWalletClient({ account, chain, transport }).sendTransaction({
    to: CREATE2_DEPLOYER,
    data: REGISTRY_DEPLOY_DATA,
  });
  const pub = createPublicClient({ chain, transport });
  const receipt = await pub.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error('The registry deployment reverted.');
  const code = await pub.getCode({ address: REGISTRY_ADDRESS });
  if (!code || code === '0x') throw new Error('No registry code at the computed address.');
  return REGISTRY_ADDRESS;
}
