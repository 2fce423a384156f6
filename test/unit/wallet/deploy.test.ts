/**
 * "This network has no registry yet — deploy it": on fresh anvil chains, the connection finds no
 * registry, deploys it in one transaction through the CREATE2 proxy (landing at the address every
 * network uses), and refuses clearly on a chain without the proxy.
 */
import type { EIP1193Provider } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WalletConnection } from '../../../src/lib/wallet/connection';
import { DEVELOPMENT_NETWORK } from '../../../src/lib/wallet/networks';
import { CREATE2_DEPLOYER, REGISTRY_ADDRESS } from '../../../src/lib/wallet/registry';
import { ANVIL_KEYS, startAnvil, type Anvil } from '../../chain/anvil';
import { TestWallet } from '../../chain/test-wallet';

let withProxy: Anvil;
let withoutProxy: Anvil;

beforeAll(async () => {
  [withProxy, withoutProxy] = await Promise.all([
    startAnvil(),
    startAnvil({ create2Deployer: false }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([withProxy?.stop(), withoutProxy?.stop()]);
});

function connect(anvil: Anvil) {
  const wallet = new TestWallet({ key: ANVIL_KEYS[1], rpcUrl: anvil.url });
  const connection = new WalletConnection(wallet.provider() as unknown as EIP1193Provider);
  return { wallet, connection };
}

describe('deploying the registry on a new network', () => {
  it('finds none, deploys it in one transaction, then finds it at the computed address', async () => {
    const { wallet, connection } = connect(withProxy);
    await connection.connect();
    await expect(connection.requireRegistry(DEVELOPMENT_NETWORK)).rejects.toMatchObject({
      code: 'registry-missing',
      message: 'This network has no registry yet — deploy it.',
    });
    const receipt = await connection.deployRegistry(DEVELOPMENT_NETWORK);
    expect(receipt.status).toBe('success');
    expect(receipt.to?.toLowerCase()).toBe(CREATE2_DEPLOYER.toLowerCase());
    expect(wallet.log.filter((m) => m === 'eth_sendTransaction')).toHaveLength(1);
    await expect(connection.requireRegistry(DEVELOPMENT_NETWORK)).resolves.toBeUndefined();
    expect(DEVELOPMENT_NETWORK.registry).toBe(REGISTRY_ADDRESS);
  });

  it('says so when the network lacks the deployment proxy, and sends nothing', async () => {
    const { wallet, connection } = connect(withoutProxy);
    await connection.connect();
    await expect(connection.deployRegistry(DEVELOPMENT_NETWORK)).rejects.toMatchObject({
      code: 'deployer-missing',
    });
    expect(wallet.log).not.toContain('eth_sendTransaction');
  });
});
