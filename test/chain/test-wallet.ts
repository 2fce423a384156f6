/**
 * A scripted EIP-1193 wallet for tests (Node side): a viem local account signs, and everything
 * that is not a wallet method is forwarded to a JSON-RPC node (anvil). Tests can make any method
 * fail with a given EIP-1193 error, delay answers, and read the log of requested methods.
 * Test-only: it holds a private key, so it never lives under src/.
 */
import {
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type TypedDataDefinition,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';

export interface RpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

export interface TestWalletOptions {
  key: Hex;
  /** JSON-RPC node for reads and transactions (anvil); omit for signing-only tests. */
  rpcUrl?: string;
  chainId?: number;
  /** Chains the wallet knows (switching to another gives 4902). */
  knownChains?: number[];
}

type Listener = (...args: unknown[]) => void;

export class TestWallet {
  account: PrivateKeyAccount;
  chainId: number;
  knownChains: Set<number>;
  rpcUrl: string | undefined;
  /** Every method requested, in order. */
  log: string[] = [];
  /** method → error to answer with (once per entry when `once` is set). */
  failures = new Map<string, { error: RpcErrorShape; once?: boolean }>();
  /** method → ms to wait before answering. */
  delays = new Map<string, number>();
  /** Sign with this key instead (a wallet returning someone else's signature). */
  signWith: PrivateKeyAccount | undefined;
  #listeners = new Map<string, Set<Listener>>();

  constructor(options: TestWalletOptions) {
    this.account = privateKeyToAccount(options.key);
    this.chainId = options.chainId ?? 31337;
    this.knownChains = new Set(options.knownChains ?? [this.chainId]);
    this.rpcUrl = options.rpcUrl;
  }

  fail(method: string, error: RpcErrorShape, once = false): void {
    this.failures.set(method, { error, once });
  }

  emit(event: string, ...args: unknown[]): void {
    for (const l of this.#listeners.get(event) ?? []) l(...args);
  }

  /** The EIP-1193 object handed to the app. */
  provider() {
    const request = ({ method, params }: { method: string; params?: unknown }) =>
      this.handle(method, (params as unknown[] | undefined) ?? []);
    return {
      request,
      on: (event: string, listener: Listener) => {
        if (!this.#listeners.has(event)) this.#listeners.set(event, new Set());
        this.#listeners.get(event)!.add(listener);
      },
      removeListener: (event: string, listener: Listener) => {
        this.#listeners.get(event)?.delete(listener);
      },
    };
  }

  async handle(method: string, params: unknown[]): Promise<unknown> {
    this.log.push(method);
    const delay = this.delays.get(method);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const failure = this.failures.get(method);
    if (failure) {
      if (failure.once) this.failures.delete(method);
      throw Object.assign(new Error(failure.error.message), failure.error);
    }
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [this.account.address];
      case 'eth_chainId':
        return `0x${this.chainId.toString(16)}`;
      case 'wallet_switchEthereumChain': {
        const id = Number((params[0] as { chainId: string }).chainId);
        if (!this.knownChains.has(id)) {
          throw Object.assign(new Error('Unrecognized chain ID'), { code: 4902 });
        }
        if (id !== this.chainId) {
          this.chainId = id;
          this.emit('chainChanged', `0x${id.toString(16)}`);
        }
        return null;
      }
      case 'wallet_addEthereumChain':
        this.knownChains.add(Number((params[0] as { chainId: string }).chainId));
        return null;
      case 'eth_signTypedData_v4': {
        const [address, json] = params as [Address, string];
        if (address.toLowerCase() !== this.account.address.toLowerCase()) {
          throw Object.assign(new Error('Unknown account'), { code: 4100 });
        }
        const typed = JSON.parse(json) as TypedDataDefinition & { types: Record<string, unknown> };
        const domain = typed.domain as { chainId?: number | string };
        if (domain.chainId !== undefined && Number(domain.chainId) !== this.chainId) {
          // As MetaMask does: the domain's chain must be the active one.
          throw Object.assign(new Error('Provided chainId must match the active chainId'), {
            code: -32603,
          });
        }
        const { EIP712Domain: _, ...types } = typed.types;
        return (this.signWith ?? this.account).signTypedData({
          ...typed,
          types,
        } as TypedDataDefinition);
      }
      case 'eth_sign':
      case 'personal_sign':
        throw Object.assign(new Error('Atelier must never ask for this'), { code: 4200 });
      case 'eth_sendTransaction': {
        if (!this.rpcUrl) throw Object.assign(new Error('No node'), { code: 4900 });
        const tx = params[0] as { to: Address; data: Hex; value?: Hex; gas?: Hex };
        const client = createWalletClient({
          account: this.account,
          chain: { ...foundry, id: this.chainId },
          transport: http(this.rpcUrl),
        });
        return client.sendTransaction({
          to: tx.to,
          data: tx.data,
          ...(tx.gas ? { gas: BigInt(tx.gas) } : {}),
        });
      }
      default: {
        if (!this.rpcUrl) throw Object.assign(new Error(`No node for ${method}`), { code: 4200 });
        const res = await fetch(this.rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        });
        const body = (await res.json()) as { result?: unknown; error?: RpcErrorShape };
        if (body.error) throw Object.assign(new Error(body.error.message), body.error);
        return body.result;
      }
    }
  }
}
