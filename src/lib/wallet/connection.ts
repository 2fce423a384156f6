/**
 * One connected wallet: connect, make sure it is on the chosen network (ask it to switch, or to
 * add the network when it does not know it), sign registrations with `eth_signTypedData_v4`
 * (never `eth_sign`), anchor them in the registry contract, read every claim on a work, and
 * deploy the registry on a network that has none yet (one transaction, no owner).
 *
 * - Every wallet request has a timeout: a wallet that never answers does not hang the room.
 * - The same action asked twice while in flight (double click) makes one request.
 * - `accountsChanged` / `chainChanged` / `disconnect` while a request is in flight rejects it with
 *   `wallet-context-changed`: the room restarts the flow with the new account or chain.
 * - A signature is checked locally (recovered signer = connected account) before it is returned.
 * All errors are WalletErrors (see errors.ts); nothing here shows anything to the person.
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  getAddress,
  type Address,
  type Chain,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { WalletError } from '../../shared/errors/wallet';
import { recoverSigner } from '../../shared/registration/certificate';
import type { RegistrationTypedData } from '../../shared/registration/typed-data';
import { toWalletError, walletMessage } from './errors';
import { networkById } from './networks';
import { CREATE2_DEPLOYER, REGISTRY_DEPLOY_DATA, registryAbi, type Deployment } from './registry';

export interface Timeouts {
  connect: number;
  sign: number;
  send: number;
  receipt: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connect: 120_000,
  sign: 180_000,
  send: 180_000,
  receipt: 300_000,
};

export type WalletChange =
  | { kind: 'accounts'; accounts: Address[] }
  | { kind: 'chain'; chainId: number }
  | { kind: 'disconnect' };

/** One author's claim on a content hash, as the registry keeps it. */
export interface OnChainClaim {
  author: Address;
  perceptualHash: Hex;
  createdAt: bigint;
  /** The block time it was anchored: the one time here nobody can make up. */
  registeredAt: bigint;
  nonce: bigint;
}

/** How many claims the verifier reads (the registry pages; the first ones matter most). */
export const MAX_CLAIMS_SHOWN = 100n;

export interface AnchorSent {
  txHash: Hex;
  method: 'register' | 'registerWithSig';
}

/** A receipt reduced to plain data that Dexie can keep. */
export interface PlainReceipt {
  status: 'success' | 'reverted';
  transactionHash: Hex;
  blockNumber: string;
  blockHash: Hex;
  gasUsed: string;
  from: Address;
  to: Address | null;
}

export function chainOf(deployment: Deployment): Chain {
  return defineChain({
    id: deployment.chainId,
    name: deployment.chainName,
    nativeCurrency: deployment.nativeCurrency,
    rpcUrls: { default: { http: deployment.rpcUrls } },
    ...(deployment.explorerUrl
      ? { blockExplorers: { default: { name: 'Explorer', url: deployment.explorerUrl } } }
      : {}),
  });
}

interface Deferred {
  promise: Promise<never>;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let reject!: (error: unknown) => void;
  const promise = new Promise<never>((_, r) => (reject = r));
  promise.catch(() => undefined); // observed by whoever races it; never unhandled
  return { promise, reject };
}

export class WalletConnection {
  readonly provider: EIP1193Provider;
  account: Address | null = null;
  chainId: number | null = null;
  #timeouts: Timeouts;
  #wallet: WalletClient;
  #inflight = new Map<string, Promise<unknown>>();
  #changed = deferred();
  #listeners = new Set<(change: WalletChange) => void>();
  #unbind: () => void;

  constructor(provider: EIP1193Provider, options: { timeouts?: Partial<Timeouts> } = {}) {
    this.provider = provider;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    // No retries: a retried wallet request is a second prompt (viem retries -32603 by default).
    this.#wallet = createWalletClient({ transport: custom(provider, { retryCount: 0 }) });
    this.#unbind = this.#bind();
  }

  #bind(): () => void {
    const p = this.provider as EIP1193Provider & {
      on?: EIP1193Provider['on'];
      removeListener?: EIP1193Provider['removeListener'];
    };
    if (typeof p.on !== 'function') return () => undefined;
    const onAccounts = (accounts: Address[]) => {
      const next = accounts[0] ? getAddress(accounts[0]) : null;
      if (next === this.account) return;
      this.account = next;
      this.#contextChanged({ kind: 'accounts', accounts });
    };
    const onChain = (chainId: string) => {
      const next = Number(chainId);
      if (next === this.chainId) return;
      this.chainId = next;
      this.#contextChanged({ kind: 'chain', chainId: next });
    };
    const onDisconnect = () => this.#contextChanged({ kind: 'disconnect' });
    p.on('accountsChanged', onAccounts);
    p.on('chainChanged', onChain);
    p.on('disconnect', onDisconnect);
    return () => {
      p.removeListener?.('accountsChanged', onAccounts);
      p.removeListener?.('chainChanged', onChain);
      p.removeListener?.('disconnect', onDisconnect);
    };
  }

  #contextChanged(change: WalletChange): void {
    const previous = this.#changed;
    this.#changed = deferred();
    previous.reject(
      new WalletError(
        'wallet-context-changed',
        'The wallet switched account or network; start again.',
        {
          details: { change: change.kind },
        },
      ),
    );
    for (const listener of this.#listeners) listener(change);
  }

  /** Calls `listener` when the wallet's account or chain changes, or it disconnects. */
  onChange(listener: (change: WalletChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  dispose(): void {
    this.#unbind();
    this.#listeners.clear();
  }

  /** Runs `fn` once per key at a time: a second call while the first is in flight joins it. */
  #once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.#inflight.get(key);
    if (running) return running as Promise<T>;
    const promise = fn().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  /** Races a wallet request against its timeout and a context change; maps errors. */
  async #request<T>(
    what: string,
    timeoutMs: number,
    request: () => Promise<T>,
    watchContext = true,
  ): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WalletError(
              'wallet-timeout',
              `The wallet did not answer (${what}) within ${Math.round(timeoutMs / 1000)} s.`,
              {
                details: { what, timeoutMs },
              },
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const racers: Promise<T>[] = [request(), timeout];
      if (watchContext) racers.push(this.#changed.promise);
      return await Promise.race(racers);
    } catch (error) {
      throw toWalletError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  #requireAccount(): Address {
    if (!this.account) throw new WalletError('wallet-not-connected', 'Connect a wallet first.');
    return this.account;
  }

  /**
   * Asks the wallet for an account (`eth_requestAccounts`) and reads its chain.
   * @throws WalletError (`wallet-rejected`, `wallet-request-pending`, `wallet-timeout`, …).
   */
  connect(): Promise<Address> {
    return this.#once('connect', async () => {
      const accounts = await this.#request(
        'connect',
        this.#timeouts.connect,
        () => this.#wallet.requestAddresses(),
        false,
      );
      if (!accounts[0])
        throw new WalletError('wallet-not-connected', 'The wallet shared no account.');
      this.account = getAddress(accounts[0]);
      this.chainId = await this.#request(
        'chain id',
        this.#timeouts.connect,
        () => this.#wallet.getChainId(),
        false,
      );
      return this.account;
    });
  }

  /**
   * Makes sure the wallet is on `deployment`'s chain, asking it to switch when it is not.
   * @throws WalletError `wallet-unknown-chain` (offer `addChain`), `wallet-rejected`, `wallet-wrong-chain`.
   */
  ensureChain(deployment: Deployment): Promise<void> {
    return this.#once('chain', async () => {
      this.#requireAccount();
      const current = await this.#request(
        'chain id',
        this.#timeouts.connect,
        () => this.#wallet.getChainId(),
        false,
      );
      this.chainId = current;
      if (current === deployment.chainId) return;
      await this.#request(
        'switch network',
        this.#timeouts.connect,
        () => this.#wallet.switchChain({ id: deployment.chainId }),
        false,
      );
      const after = await this.#request(
        'chain id',
        this.#timeouts.connect,
        () => this.#wallet.getChainId(),
        false,
      );
      this.chainId = after;
      if (after !== deployment.chainId) {
        throw new WalletError(
          'wallet-wrong-chain',
          `The wallet stayed on ${networkById(after)?.chainName ?? `chain ${after}`}; switch it to ${deployment.chainName}.`,
          {
            details: { chainId: after, wanted: deployment.chainId },
          },
        );
      }
    });
  }

  /**
   * Asks the wallet to add `deployment`'s chain (`wallet_addEthereumChain`), then to switch to it.
   * @throws WalletError.
   */
  addChain(deployment: Deployment): Promise<void> {
    return this.#once('chain', async () => {
      await this.#request(
        'add network',
        this.#timeouts.connect,
        () => this.#wallet.addChain({ chain: chainOf(deployment) }),
        false,
      );
      await this.#request(
        'switch network',
        this.#timeouts.connect,
        () => this.#wallet.switchChain({ id: deployment.chainId }),
        false,
      );
      this.chainId = await this.#request(
        'chain id',
        this.#timeouts.connect,
        () => this.#wallet.getChainId(),
        false,
      );
    });
  }

  /**
   * Has the wallet sign `typed` (eth_signTypedData_v4) and checks the signature recovers to the
   * connected account.
   * @throws WalletError `wallet-not-connected`, `wallet-context-changed` (the record was built for
   *   another account, or the account/chain changed meanwhile), `wallet-wrong-chain`,
   *   `wallet-bad-signature`, and every mapped provider error.
   */
  signRegistration(typed: RegistrationTypedData): Promise<Hex> {
    return this.#once('sign', async () => {
      const account = this.#requireAccount();
      if (typed.message.author !== account) {
        throw new WalletError(
          'wallet-context-changed',
          'The record was prepared for another account; start again.',
          {
            details: { change: 'accounts' },
          },
        );
      }
      const chainId = await this.#request('chain id', this.#timeouts.connect, () =>
        this.#wallet.getChainId(),
      );
      if (chainId !== typed.domain.chainId) {
        throw new WalletError(
          'wallet-wrong-chain',
          'The wallet is on another network than the record.',
          {
            details: { chainId, wanted: typed.domain.chainId },
          },
        );
      }
      const signature = await this.#request('signature', this.#timeouts.sign, () =>
        this.#wallet.signTypedData({ account, ...typed, message: typed.message }),
      );
      let signer: Address;
      try {
        signer = await recoverSigner(typed, signature);
      } catch (cause) {
        throw new WalletError(
          'wallet-bad-signature',
          'The wallet returned a signature that cannot be read.',
          { cause },
        );
      }
      if (signer !== account) {
        throw new WalletError(
          'wallet-bad-signature',
          'The wallet returned a signature that is not from the connected account.',
          {
            details: { signer, account },
          },
        );
      }
      return signature;
    });
  }

  #public(deployment: Deployment): PublicClient {
    return createPublicClient({
      chain: chainOf(deployment),
      transport: custom(this.provider, { retryCount: 0 }),
      pollingInterval: 1_000,
    });
  }

  /** Every claim on `contentHash` (first anchored first), read through the wallet. @throws WalletError. */
  async claimsOf(deployment: Deployment, contentHash: Hex): Promise<OnChainClaim[]> {
    try {
      return (await this.#public(deployment).readContract({
        address: deployment.registry,
        abi: registryAbi,
        functionName: 'claimsOf',
        args: [contentHash, 0n, MAX_CLAIMS_SHOWN],
      })) as OnChainClaim[];
    } catch (error) {
      throw toWalletError(error);
    }
  }

  /** `author`'s claim on `contentHash`, or null when they have none. @throws WalletError. */
  async claimOf(
    deployment: Deployment,
    contentHash: Hex,
    author: Address,
  ): Promise<(OnChainClaim & { index: number }) | null> {
    try {
      const [found, index, claim] = (await this.#public(deployment).readContract({
        address: deployment.registry,
        abi: registryAbi,
        functionName: 'claimOf',
        args: [contentHash, author],
      })) as [boolean, bigint, OnChainClaim];
      return found ? { ...claim, index: Number(index) } : null;
    } catch (error) {
      throw toWalletError(error);
    }
  }

  /**
   * Throws `registry-missing` when `deployment`'s network has no code at the registry address
   * (nobody deployed it there yet). @throws WalletError.
   */
  async requireRegistry(deployment: Deployment): Promise<void> {
    let code: Hex | undefined;
    try {
      code = await this.#public(deployment).getCode({ address: deployment.registry });
    } catch (error) {
      throw toWalletError(error);
    }
    if (!code || code === '0x') {
      throw new WalletError('registry-missing', walletMessage('registry-missing'), {
        details: { chainId: deployment.chainId },
      });
    }
  }

  /**
   * Deploys the registry on `deployment`'s network in one transaction to the deterministic
   * deployment proxy, waits for it, and checks the code landed at the computed address. Anyone
   * may do this; the registry has no owner.
   * @throws WalletError `deployer-missing`, `wallet-rejected`, `wallet-tx-reverted`, ….
   */
  deployRegistry(deployment: Deployment): Promise<PlainReceipt> {
    return this.#once(`deploy:${deployment.chainId}`, async () => {
      const account = this.#requireAccount();
      const pub = this.#public(deployment);
      const proxy = await this.#request('check', this.#timeouts.send, () =>
        pub.getCode({ address: CREATE2_DEPLOYER }),
      );
      if (!proxy || proxy === '0x') {
        throw new WalletError('deployer-missing', walletMessage('deployer-missing'), {
          details: { chainId: deployment.chainId },
        });
      }
      const txHash = await this.#request('transaction', this.#timeouts.send, () =>
        this.#wallet.sendTransaction({
          account,
          chain: chainOf(deployment),
          to: CREATE2_DEPLOYER,
          data: REGISTRY_DEPLOY_DATA,
        }),
      );
      const receipt = await this.waitForReceipt(deployment, txHash);
      await this.requireRegistry(deployment);
      return receipt;
    });
  }

  /**
   * Checks a signature through the wallet's RPC, smart-contract wallets included (ERC-1271 /
   * ERC-6492), which offline ecrecover cannot. @throws WalletError.
   */
  async verifyOnChain(
    deployment: Deployment,
    typed: RegistrationTypedData,
    signature: Hex,
  ): Promise<boolean> {
    try {
      const args = {
        address: typed.message.author,
        ...typed,
        message: typed.message,
        signature,
      } as unknown as Parameters<PublicClient['verifyTypedData']>[0];
      return await this.#public(deployment).verifyTypedData(args);
    } catch (error) {
      throw toWalletError(error);
    }
  }

  /**
   * Sends a signed registration to the registry: `register` when the connected account is the
   * author, else `registerWithSig` (anyone may submit an author's signature). The call is
   * simulated first, so contract errors arrive decoded (`wallet-tx-reverted`, details.errorName).
   * @throws WalletError.
   */
  anchor(
    deployment: Deployment,
    typed: RegistrationTypedData,
    signature: Hex,
  ): Promise<AnchorSent> {
    return this.#once(`anchor:${typed.message.contentHash}`, async () => {
      const account = this.#requireAccount();
      const chain = chainOf(deployment);
      const method = account === typed.message.author ? 'register' : 'registerWithSig';
      const args = method === 'register' ? [typed.message] : [typed.message, signature];
      const pub = this.#public(deployment);
      await this.#request('check', this.#timeouts.send, () =>
        pub.simulateContract({
          account,
          address: deployment.registry,
          abi: registryAbi,
          functionName: method,
          args,
        }),
      );
      const txHash = await this.#request('transaction', this.#timeouts.send, () =>
        this.#wallet.writeContract({
          account,
          chain,
          address: deployment.registry,
          abi: registryAbi,
          functionName: method,
          args,
        }),
      );
      return { txHash, method };
    });
  }

  /** Waits for a transaction's receipt. @throws WalletError (`wallet-timeout` after the limit). */
  async waitForReceipt(deployment: Deployment, txHash: Hex): Promise<PlainReceipt> {
    const receipt = await this.#request(
      'receipt',
      this.#timeouts.receipt,
      () =>
        this.#public(deployment).waitForTransactionReceipt({
          hash: txHash,
          timeout: this.#timeouts.receipt,
        }),
      false,
    );
    return {
      status: receipt.status,
      transactionHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber.toString(),
      blockHash: receipt.blockHash,
      gasUsed: receipt.gasUsed.toString(),
      from: receipt.from,
      to: receipt.to,
    };
  }
}
