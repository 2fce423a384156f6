/**
 * The registry contract on a real local chain (anvil from npm, started here and stopped by PID,
 * without the CREATE2 proxy so the test places it): deploy through the proxy at the address the
 * app computes, claim, read every claim back, claims by several authors on one work, and every
 * way a claim must be refused.
 */
import {
  BaseError,
  concat,
  getAddress,
  keccak256,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  hashTypedData,
  http,
  parseSignature,
  serializeSignature,
  toHex,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE2_DEPLOYER,
  REGISTRY_ADDRESS,
  REGISTRY_SALT,
  registryAbi,
  registryBytecode,
} from '../../../src/lib/wallet/registry';
import { NETWORKS } from '../../../src/lib/wallet/networks';
import {
  buildRegistration,
  randomNonce,
  type RegistrationTypedData,
} from '../../../src/shared/registration/typed-data';
import { ANVIL_KEYS, startAnvil, type Anvil } from '../../chain/anvil';
import { toCertificate, verifyCertificate } from '../../../src/shared/registration/certificate';
import { deployRegistry, ensureCreate2Deployer } from '../../chain/deployer';

let anvil: Anvil;
let registry: Address;
let placedProxy = false;
let codeBeforeDeploy: Hex | undefined;
const artist = privateKeyToAccount(ANVIL_KEYS[0]);
const relayer = privateKeyToAccount(ANVIL_KEYS[1]);

function clients(url: string) {
  const transport = http(url);
  const pub = createPublicClient({ chain: foundry, transport });
  const wallet = (account: PrivateKeyAccount) =>
    createWalletClient({ account, chain: foundry, transport });
  return { pub, wallet };
}

function record(
  title = 'Harbour',
  nonce = randomNonce(),
  chainId = 31337,
  contract = registry,
): RegistrationTypedData {
  return buildRegistration({
    chainId,
    verifyingContract: contract,
    contentHash: toHex(crypto.getRandomValues(new Uint8Array(32))),
    perceptualHash: '0x0f0f0f0f0f0f0f0f',
    title,
    author: artist.address,
    createdAt: 1_767_225_600,
    licenseId: 'CC-BY-4.0',
    nonce,
  });
}

function sign(typed: RegistrationTypedData, account = artist): Promise<Hex> {
  return account.signTypedData({ ...typed, message: typed.message });
}

/** The custom error a call reverts with, decoded by viem from the ABI. */
async function revertOf(
  call: Promise<unknown>,
): Promise<{ name: string; args: readonly unknown[] } | 'no revert'> {
  try {
    await call;
  } catch (error) {
    const revert = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data) {
      return { name: revert.data.errorName, args: revert.data.args ?? [] };
    }
    throw error;
  }
  return 'no revert';
}

beforeAll(async () => {
  anvil = await startAnvil({ create2Deployer: false });
  placedProxy = await ensureCreate2Deployer(anvil.url);
  codeBeforeDeploy = await clients(anvil.url).pub.getCode({ address: REGISTRY_ADDRESS });
  // Deployed by a third account: who sends the one transaction does not matter.
  registry = await deployRegistry(anvil.url, privateKeyToAccount(ANVIL_KEYS[2]));
}, 30_000);

afterAll(async () => {
  const pid = anvil?.pid;
  await anvil?.stop();
  if (pid) expect(() => process.kill(pid, 0)).toThrow();
});

describe('CopyrightRegistry on anvil', () => {
  it('lands, deployed through the placed CREATE2 proxy, at the address every network uses', async () => {
    expect(placedProxy).toBe(true); // the chain started without it
    expect(codeBeforeDeploy).toBeUndefined();
    // CREATE2: keccak256(0xff ‖ deployer ‖ salt ‖ keccak256(initCode))[12:], by hand.
    const initHash = keccak256(registryBytecode);
    const raw = keccak256(concat(['0xff', CREATE2_DEPLOYER, REGISTRY_SALT, initHash]));
    expect(REGISTRY_ADDRESS).toBe(getAddress(`0x${raw.slice(-40)}`));
    expect(registry).toBe(REGISTRY_ADDRESS);
    expect(new Set(NETWORKS.map((n) => n.registry))).toEqual(new Set([REGISTRY_ADDRESS]));
    const { pub } = clients(anvil.url);
    expect(await pub.getCode({ address: registry })).toMatch(/^0x[0-9a-f]{200,}$/);
    // A second deployment of the same code at the same address fails (the proxy reverts).
    await expect(deployRegistry(anvil.url, relayer)).rejects.toThrow();
  });

  it('keeps two authors’ claims on one work, in the order they were anchored', async () => {
    const { pub, wallet } = clients(anvil.url);
    const artistsOwn = record('Shared');
    // Someone holding a copy claims the same content hash first, under their own address.
    const copier = buildRegistration({
      ...artistsOwn.message,
      chainId: 31337,
      verifyingContract: registry,
      author: relayer.address,
      nonce: randomNonce(),
    });
    const first = await wallet(relayer).writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'register',
      args: [copier.message],
    });
    const firstReceipt = await pub.waitForTransactionReceipt({ hash: first });
    // The artist's own anchoring still succeeds, submitted with their signature by anyone.
    const second = await wallet(relayer).writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'registerWithSig',
      args: [artistsOwn.message, await sign(artistsOwn)],
    });
    const secondReceipt = await pub.waitForTransactionReceipt({ hash: second });
    expect(secondReceipt.status).toBe('success');
    const claims = (await pub.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'claimsOf',
      args: [artistsOwn.message.contentHash, 0n, 10n],
    })) as Array<{ author: Address; registeredAt: bigint; nonce: bigint }>;
    expect(claims.map((c) => c.author)).toEqual([relayer.address, artist.address]);
    expect(claims[1]!.nonce).toBe(artistsOwn.message.nonce);
    const t1 = (await pub.getBlock({ blockNumber: firstReceipt.blockNumber })).timestamp;
    const t2 = (await pub.getBlock({ blockNumber: secondReceipt.blockNumber })).timestamp;
    expect(claims.map((c) => c.registeredAt)).toEqual([t1, t2]);
    expect(
      await pub.readContract({
        address: registry,
        abi: registryAbi,
        functionName: 'claimCount',
        args: [artistsOwn.message.contentHash],
      }),
    ).toBe(2n);
    const [found, index] = (await pub.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'claimOf',
      args: [artistsOwn.message.contentHash, artist.address],
    })) as [boolean, bigint];
    expect([found, index]).toEqual([true, 1n]);
    // Paging: from offset 1, and past the end.
    const page = (await pub.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'claimsOf',
      args: [artistsOwn.message.contentHash, 1n, 10n],
    })) as Array<{ author: Address }>;
    expect(page.map((c) => c.author)).toEqual([artist.address]);
    expect(
      await pub.readContract({
        address: registry,
        abi: registryAbi,
        functionName: 'claimsOf',
        args: [artistsOwn.message.contentHash, 5n, 10n],
      }),
    ).toEqual([]);
  });

  it('computes the same EIP-712 digest as the app', async () => {
    const { pub } = clients(anvil.url);
    const typed = record();
    const onChain = await pub.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'hashRegistration',
      args: [typed.message],
    });
    expect(onChain).toBe(hashTypedData({ ...typed, message: typed.message }));
  });

  it('registers from the author, reads it back and emits Registered', async () => {
    const { pub, wallet } = clients(anvil.url);
    const typed = record('Gull');
    const hash = await wallet(artist).writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'register',
      args: [typed.message],
    });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    const block = await pub.getBlock({ blockNumber: receipt.blockNumber });
    const stored = await pub.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'claimsOf',
      args: [typed.message.contentHash, 0n, 10n],
    });
    expect(stored).toEqual([
      {
        author: artist.address,
        perceptualHash: typed.message.perceptualHash,
        createdAt: typed.message.createdAt,
        registeredAt: block.timestamp,
        nonce: typed.message.nonce,
      },
    ]);
    const events = await pub.getContractEvents({
      address: registry,
      abi: registryAbi,
      eventName: 'Registered',
      args: { contentHash: typed.message.contentHash },
      fromBlock: 0n,
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.args).toMatchObject({
      author: artist.address,
      title: 'Gull',
      licenseId: 'CC-BY-4.0',
      index: 0n,
      submitter: artist.address,
    });
  });

  it('refuses a registration sent by someone else than the author', async () => {
    const { pub } = clients(anvil.url);
    const typed = record();
    expect(
      await revertOf(
        pub.simulateContract({
          account: relayer,
          address: registry,
          abi: registryAbi,
          functionName: 'register',
          args: [typed.message],
        }),
      ),
    ).toEqual({ name: 'NotAuthor', args: [] });
  });

  it('accepts a signature submitted by a relayer, then refuses its replay and a second claim by the same author', async () => {
    const { pub, wallet } = clients(anvil.url);
    const typed = record('Dunes');
    const signature = await sign(typed);
    const hash = await wallet(relayer).writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'registerWithSig',
      args: [typed.message, signature],
    });
    expect((await pub.waitForTransactionReceipt({ hash })).status).toBe('success');
    const stored = (await pub.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'claimsOf',
      args: [typed.message.contentHash, 0n, 10n],
    })) as Array<{ author: Address }>;
    // Relayed, it is the author's claim, never the relayer's.
    expect(stored.map((c) => c.author)).toEqual([artist.address]);

    const replay = pub.simulateContract({
      account: relayer,
      address: registry,
      abi: registryAbi,
      functionName: 'registerWithSig',
      args: [typed.message, signature],
    });
    expect(await revertOf(replay)).toEqual({
      name: 'AlreadyClaimed',
      args: [typed.message.contentHash, artist.address],
    });
    // The same author claiming the same work again under a fresh nonce: one claim per author.
    const again = { ...typed.message, nonce: randomNonce() };
    expect(
      await revertOf(
        pub.simulateContract({
          account: artist,
          address: registry,
          abi: registryAbi,
          functionName: 'register',
          args: [again],
        }),
      ),
    ).toMatchObject({ name: 'AlreadyClaimed' });
  });

  it('refuses signatures made for another chain, another registry, or over changed fields', async () => {
    const { pub } = clients(anvil.url);
    const submit = (message: RegistrationTypedData['message'], signature: Hex) =>
      revertOf(
        pub.simulateContract({
          account: relayer,
          address: registry,
          abi: registryAbi,
          functionName: 'registerWithSig',
          args: [message, signature],
        }),
      );
    const otherChain = record('Elsewhere', randomNonce(), 1);
    expect(await submit(otherChain.message, await sign(otherChain))).toEqual({
      name: 'InvalidSignature',
      args: [],
    });
    const otherContract = record(
      'Elsewhere',
      randomNonce(),
      31337,
      '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    );
    expect(await submit(otherContract.message, await sign(otherContract))).toEqual({
      name: 'InvalidSignature',
      args: [],
    });
    const typed = record('Original');
    const signature = await sign(typed);
    expect(await submit({ ...typed.message, title: 'Changed' }, signature)).toEqual({
      name: 'InvalidSignature',
      args: [],
    });
    expect(await submit(typed.message, await sign(typed, relayer))).toEqual({
      name: 'InvalidSignature',
      args: [],
    });
    // The malleable twin (s' = n - s, v flipped) of a valid signature is refused too.
    const { r, s, yParity } = parseSignature(signature);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const twin = serializeSignature({
      r,
      s: toHex(n - BigInt(s), { size: 32 }),
      yParity: yParity === 0 ? 1 : 0,
    });
    expect(await submit(typed.message, twin)).toEqual({ name: 'InvalidSignature', args: [] });
    // And the untouched signature is accepted (so the refusals above are about the changes).
    expect(await submit(typed.message, signature)).toBe('no revert');
  });

  it('offline verification accepts exactly the signatures the contract accepts (EIP-2)', async () => {
    const typed = record('Low s');
    const signature = await sign(typed);
    const { r, s, yParity } = parseSignature(signature);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const raw = (v: number, sHex: Hex = s) =>
      `${r}${sHex.slice(2)}${v.toString(16).padStart(2, '0')}` as Hex;
    const high = toHex(n - BigInt(s), { size: 32 });
    const candidates: Record<string, Hex> = {
      canonical: signature,
      'v as 0/1': raw(yParity),
      'high s, v flipped': raw(27 + (yParity === 0 ? 1 : 0), high),
      'high s, v 0/1 flipped': raw(yParity === 0 ? 1 : 0, high),
      'v 29': raw(29),
    };
    const { pub } = clients(anvil.url);
    const submit = (message: RegistrationTypedData['message'], candidate: Hex) =>
      revertOf(
        pub.simulateContract({
          account: relayer,
          address: registry,
          abi: registryAbi,
          functionName: 'registerWithSig',
          args: [message, candidate],
        }),
      );
    const outcomes: Record<string, { contract: boolean; offline: boolean }> = {};
    for (const [name, candidate] of Object.entries(candidates)) {
      const contract = (await submit(typed.message, candidate)) === 'no revert';
      const offline = (await verifyCertificate(toCertificate(typed, candidate))).valid;
      outcomes[name] = { contract, offline };
    }
    for (const o of Object.values(outcomes)) expect(o.offline).toBe(o.contract);
    expect(outcomes['high s, v flipped']).toEqual({ contract: false, offline: false });
    expect(outcomes.canonical).toEqual({ contract: true, offline: true });
  });

  it('refuses a cancelled nonce and a nonce used twice', async () => {
    const { pub, wallet } = clients(anvil.url);
    const typed = record('Cancelled');
    const signature = await sign(typed);
    const hash = await wallet(artist).writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'cancelNonce',
      args: [typed.message.nonce],
    });
    expect((await pub.waitForTransactionReceipt({ hash })).status).toBe('success');
    expect(
      await pub.readContract({
        address: registry,
        abi: registryAbi,
        functionName: 'nonceUsed',
        args: [artist.address, typed.message.nonce],
      }),
    ).toBe(true);
    const submit = pub.simulateContract({
      account: relayer,
      address: registry,
      abi: registryAbi,
      functionName: 'registerWithSig',
      args: [typed.message, signature],
    });
    expect(await revertOf(submit)).toEqual({
      name: 'NonceAlreadyUsed',
      args: [artist.address, typed.message.nonce],
    });
    expect(
      await revertOf(
        pub.simulateContract({
          account: artist,
          address: registry,
          abi: registryAbi,
          functionName: 'cancelNonce',
          args: [typed.message.nonce],
        }),
      ),
    ).toMatchObject({ name: 'NonceAlreadyUsed' });

    // A nonce spent by one registration cannot sign a second work.
    const first = record('First');
    const sent = await wallet(artist).writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'register',
      args: [first.message],
    });
    await pub.waitForTransactionReceipt({ hash: sent });
    const second = record('Second', first.message.nonce);
    expect(
      await revertOf(
        pub.simulateContract({
          account: relayer,
          address: registry,
          abi: registryAbi,
          functionName: 'registerWithSig',
          args: [second.message, await sign(second)],
        }),
      ),
    ).toEqual({ name: 'NonceAlreadyUsed', args: [artist.address, first.message.nonce] });
  });
});
