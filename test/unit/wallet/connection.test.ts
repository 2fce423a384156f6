/**
 * The wallet connection against a scripted EIP-1193 wallet: every provider error code mapped,
 * only structured signing methods, one request per double click, timeouts, account/chain
 * changes mid-flow, chain switching and adding, and local verification of what the wallet returns.
 */
import { UserRejectedRequestError, type EIP1193Provider } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { WalletConnection } from '../../../src/lib/wallet/connection';
import { providerCode, toWalletError } from '../../../src/lib/wallet/errors';
import { DEVELOPMENT_NETWORK as DEFAULT_DEPLOYMENT } from '../../../src/lib/wallet/networks';
import type { Deployment } from '../../../src/lib/wallet/registry';
import {
  buildRegistration,
  type RegistrationTypedData,
} from '../../../src/shared/registration/typed-data';
import { ANVIL_KEYS } from '../../chain/anvil';
import { TestWallet } from '../../chain/test-wallet';

const ALLOWED = new Set([
  'eth_requestAccounts',
  'eth_accounts',
  'eth_chainId',
  'eth_signTypedData_v4',
  'wallet_switchEthereumChain',
  'wallet_addEthereumChain',
]);

function setup(
  options: {
    chainId?: number;
    knownChains?: number[];
    timeouts?: { sign?: number; connect?: number };
  } = {},
) {
  const wallet = new TestWallet({ key: ANVIL_KEYS[0], ...options });
  const connection = new WalletConnection(wallet.provider() as unknown as EIP1193Provider, {
    timeouts: options.timeouts ?? {},
  });
  return { wallet, connection };
}

function typedFor(author: string, chainId = 31337): RegistrationTypedData {
  return buildRegistration({
    chainId,
    verifyingContract: DEFAULT_DEPLOYMENT.registry,
    contentHash: `0x${'11'.repeat(32)}`,
    perceptualHash: '0x1111222233334444',
    title: 'Quay',
    author,
    createdAt: 1_767_225_600,
    licenseId: 'All-Rights-Reserved',
    nonce: 7n,
  });
}

describe('provider error mapping', () => {
  it.each([
    [4001, 'wallet-rejected'],
    [4100, 'wallet-unauthorized'],
    [4200, 'wallet-unsupported-method'],
    [4900, 'wallet-disconnected'],
    [4901, 'wallet-chain-disconnected'],
    [4902, 'wallet-unknown-chain'],
    [-32002, 'wallet-request-pending'],
    [-32603, 'wallet-internal'],
  ])('maps %i to %s, raw and as viem rethrows it', async (code, expected) => {
    expect(toWalletError(Object.assign(new Error('x'), { code })).code).toBe(expected);
    const { wallet, connection } = setup();
    wallet.fail('eth_requestAccounts', { code, message: 'nope' });
    await expect(connection.connect()).rejects.toMatchObject({
      code: expected,
      details: { providerCode: code },
    });
  });

  it('finds the code MetaMask mobile nests in data.originalError', () => {
    const nested = {
      code: -32603,
      message: 'Internal JSON-RPC error.',
      data: { originalError: { code: 4902, message: 'Unrecognized chain' } },
    };
    expect(providerCode(nested)).toBe(4902);
    expect(toWalletError(nested).code).toBe('wallet-unknown-chain');
    const rejected = { code: -32603, message: 'x', data: { originalError: { code: 4001 } } };
    expect(toWalletError(rejected).code).toBe('wallet-rejected');
  });

  it("reads Coinbase's -32603 'unrecognized chain' as an unknown chain", () => {
    expect(
      toWalletError({
        code: -32603,
        message:
          'Unrecognized chain ID "0x7a69". Try adding the chain using wallet_addEthereumChain first.',
      }).code,
    ).toBe('wallet-unknown-chain');
  });

  it('maps viem errors and unknown throws', () => {
    expect(toWalletError(new UserRejectedRequestError(new Error('no'))).code).toBe(
      'wallet-rejected',
    );
    expect(toWalletError('weird').code).toBe('wallet-internal');
    expect(toWalletError(new Error('socket closed')).message).toMatchInlineSnapshot(
      `"The wallet reported an internal error."`,
    );
    expect(toWalletError({ code: 4001 }).message).toMatchInlineSnapshot(
      `"Cancelled in the wallet."`,
    );
  });
});

describe('WalletConnection', () => {
  it('connects, signs with eth_signTypedData_v4 only, and checks the signer', async () => {
    const { wallet, connection } = setup();
    const account = await connection.connect();
    expect(account).toBe(wallet.account.address);
    expect(connection.chainId).toBe(31337);
    await connection.ensureChain(DEFAULT_DEPLOYMENT);
    const typed = typedFor(account);
    const signature = await connection.signRegistration(typed);
    expect(signature).toBe(
      await wallet.account.signTypedData({ ...typed, message: typed.message }),
    );
    expect(wallet.log.filter((m) => !ALLOWED.has(m))).toEqual([]);
    expect(wallet.log).toContain('eth_signTypedData_v4');
  });

  it('makes one wallet request for a double click', async () => {
    const { wallet, connection } = setup();
    await connection.connect();
    wallet.delays.set('eth_signTypedData_v4', 50);
    const typed = typedFor(wallet.account.address);
    const clicks = await Promise.all(
      Array.from({ length: 5 }, () => connection.signRegistration(typed)),
    );
    expect(new Set(clicks).size).toBe(1);
    expect(wallet.log.filter((m) => m === 'eth_signTypedData_v4')).toHaveLength(1);
  });

  it('times out a signature the wallet never answers', async () => {
    const { wallet, connection } = setup({ timeouts: { sign: 80 } });
    await connection.connect();
    wallet.delays.set('eth_signTypedData_v4', 5_000);
    await expect(
      connection.signRegistration(typedFor(wallet.account.address)),
    ).rejects.toMatchObject({ code: 'wallet-timeout' });
  });

  it('restarts the flow when the account or chain changes while signing', async () => {
    for (const change of ['accountsChanged', 'chainChanged'] as const) {
      const { wallet, connection } = setup();
      await connection.connect();
      const changes: string[] = [];
      connection.onChange((c) => changes.push(c.kind));
      wallet.delays.set('eth_signTypedData_v4', 200);
      const pending = connection.signRegistration(typedFor(wallet.account.address));
      setTimeout(
        () =>
          wallet.emit(
            change,
            change === 'accountsChanged' ? [privateKeyToAccount(ANVIL_KEYS[1]).address] : '0x1',
          ),
        20,
      );
      await expect(pending).rejects.toMatchObject({ code: 'wallet-context-changed' });
      expect(changes).toEqual([change === 'accountsChanged' ? 'accounts' : 'chain']);
    }
  });

  it('refuses a record built for another account or chain before the wallet sees it', async () => {
    const { wallet, connection } = setup();
    await connection.connect();
    await expect(
      connection.signRegistration(typedFor(privateKeyToAccount(ANVIL_KEYS[1]).address)),
    ).rejects.toMatchObject({ code: 'wallet-context-changed' });
    await expect(
      connection.signRegistration(typedFor(wallet.account.address, 1)),
    ).rejects.toMatchObject({ code: 'wallet-wrong-chain' });
    expect(wallet.log).not.toContain('eth_signTypedData_v4');
  });

  it('refuses a signature that is not from the connected account', async () => {
    const { wallet, connection } = setup();
    await connection.connect();
    wallet.signWith = privateKeyToAccount(ANVIL_KEYS[2]);
    await expect(
      connection.signRegistration(typedFor(wallet.account.address)),
    ).rejects.toMatchObject({ code: 'wallet-bad-signature' });
  });

  it('switches the wallet to the registry chain, and offers to add an unknown one', async () => {
    const other: Deployment = { ...DEFAULT_DEPLOYMENT, chainId: 84532, chainName: 'Test chain' };
    const { wallet, connection } = setup({ chainId: 1, knownChains: [1, 31337] });
    await connection.connect();
    await connection.ensureChain(DEFAULT_DEPLOYMENT);
    expect(wallet.chainId).toBe(31337);
    expect(wallet.log).toContain('wallet_switchEthereumChain');
    await expect(connection.ensureChain(other)).rejects.toMatchObject({
      code: 'wallet-unknown-chain',
    });
    await connection.addChain(other);
    expect(wallet.chainId).toBe(84532);
    expect(connection.chainId).toBe(84532);
  });

  it('maps a refusal to switch networks to a quiet cancel', async () => {
    const { wallet, connection } = setup({ chainId: 1, knownChains: [1, 31337] });
    await connection.connect();
    wallet.fail('wallet_switchEthereumChain', { code: 4001, message: 'User rejected' });
    await expect(connection.ensureChain(DEFAULT_DEPLOYMENT)).rejects.toMatchObject({
      code: 'wallet-rejected',
    });
    expect(wallet.log.filter((m) => m === 'wallet_switchEthereumChain')).toHaveLength(1);
  });

  it('does not retry a failing wallet request (a retry is a second prompt)', async () => {
    const { wallet, connection } = setup();
    await connection.connect();
    wallet.fail('eth_signTypedData_v4', { code: -32603, message: 'Internal error' });
    await expect(
      connection.signRegistration(typedFor(wallet.account.address)),
    ).rejects.toMatchObject({ code: 'wallet-internal' });
    expect(wallet.log.filter((m) => m === 'eth_signTypedData_v4')).toHaveLength(1);
  });

  it('needs a connection before signing', async () => {
    const { wallet, connection } = setup();
    await expect(
      connection.signRegistration(typedFor(wallet.account.address)),
    ).rejects.toMatchObject({ code: 'wallet-not-connected' });
  });
});
