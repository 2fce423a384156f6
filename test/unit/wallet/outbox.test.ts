/**
 * The anchoring outbox on a real chain: certificates saved in Dexie (fake-indexeddb) are sent
 * through a test wallet to the registry on anvil, with receipts kept; a refusal keeps them queued.
 */
import 'fake-indexeddb/auto';
import { createPublicClient, createWalletClient, http, toHex, type EIP1193Provider } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listRegistrations,
  outboxStore,
  pendingAnchors,
  queueAnchor,
  saveRegistration,
} from '../../../src/lib/db/registrations';
import { openDb } from '../../../src/lib/db/schema';
import { WalletConnection } from '../../../src/lib/wallet/connection';
import { sendOutbox } from '../../../src/lib/wallet/outbox';
import { DEVELOPMENT_NETWORK } from '../../../src/lib/wallet/networks';
import { registryAbi, type Deployment } from '../../../src/lib/wallet/registry';
import { toCertificate } from '../../../src/shared/registration/certificate';
import { buildRegistration, randomNonce } from '../../../src/shared/registration/typed-data';
import { ANVIL_KEYS, startAnvil, type Anvil } from '../../chain/anvil';
import { TestWallet } from '../../chain/test-wallet';
import { deployRegistry, ensureCreate2Deployer } from '../../chain/deployer';

let anvil: Anvil;
let deployment: Deployment;
const artist = privateKeyToAccount(ANVIL_KEYS[0]);

beforeAll(async () => {
  anvil = await startAnvil();
  await ensureCreate2Deployer(anvil.url);
  deployment = {
    ...DEVELOPMENT_NETWORK,
    rpcUrls: [anvil.url],
    registry: await deployRegistry(anvil.url, artist),
  };
}, 30_000);

afterAll(() => anvil?.stop());

async function signedCertificate(title: string, signer = artist) {
  const typed = buildRegistration({
    chainId: 31337,
    verifyingContract: deployment.registry,
    contentHash: toHex(crypto.getRandomValues(new Uint8Array(32))),
    perceptualHash: '0x00ff00ff00ff00ff',
    title,
    author: signer.address,
    createdAt: 1_767_225_600,
    licenseId: 'CC-BY-4.0',
    nonce: randomNonce(),
  });
  return toCertificate(typed, await signer.signTypedData({ ...typed, message: typed.message }));
}

function connect(key: `0x${string}` = ANVIL_KEYS[0]) {
  const wallet = new TestWallet({ key, rpcUrl: anvil.url });
  const connection = new WalletConnection(wallet.provider() as unknown as EIP1193Provider);
  return { wallet, connection };
}

describe('anchoring outbox', () => {
  it('sends queued registrations, keeps receipts, and leaves nothing pending', async () => {
    const db = openDb(`outbox-${crypto.randomUUID()}`);
    const a = await saveRegistration(db, { certificate: await signedCertificate('One') });
    const b = await saveRegistration(db, { certificate: await signedCertificate('Two') });
    await queueAnchor(db, a.id);
    await queueAnchor(db, b.id);
    const { wallet, connection } = connect();
    await connection.connect();
    const updates: string[] = [];
    const run = await sendOutbox({
      connection,
      deployment,
      store: outboxStore(db),
      onUpdate: (_, s) => updates.push(s.status),
    });
    expect(run).toEqual({ confirmed: 2, failed: 0, cancelled: false });
    expect(updates).toEqual(['sent', 'confirmed', 'sent', 'confirmed']);
    const rows = await listRegistrations(db);
    for (const row of rows) {
      expect(row.anchor).toMatchObject({ status: 'confirmed', receipt: { status: 'success' } });
      const claims = await connection.claimsOf(deployment, row.contentHash as `0x${string}`);
      expect(claims.map((c) => c.author)).toEqual([artist.address]);
    }
    expect(await pendingAnchors(db)).toEqual([]);
    // The author sends directly (register); no signing method other than typed data was used.
    expect(wallet.log).toContain('eth_sendTransaction');
    expect(wallet.log).not.toContain('eth_sign');
  });

  it('keeps an item queued when the person declines, and sends it on the next run', async () => {
    const db = openDb(`outbox-${crypto.randomUUID()}`);
    const row = await saveRegistration(db, { certificate: await signedCertificate('Declined') });
    await queueAnchor(db, row.id);
    const { wallet, connection } = connect();
    await connection.connect();
    wallet.fail('eth_sendTransaction', { code: 4001, message: 'User rejected the request.' }, true);
    expect(await sendOutbox({ connection, deployment, store: outboxStore(db) })).toEqual({
      confirmed: 0,
      failed: 0,
      cancelled: true,
    });
    expect((await pendingAnchors(db)).map((r) => r.anchor?.status)).toEqual(['queued']);
    expect(await sendOutbox({ connection, deployment, store: outboxStore(db) })).toMatchObject({
      confirmed: 1,
    });
  });

  it("lets another account submit the author's signature (registerWithSig)", async () => {
    const db = openDb(`outbox-${crypto.randomUUID()}`);
    const row = await saveRegistration(db, { certificate: await signedCertificate('Relayed') });
    await queueAnchor(db, row.id);
    const { connection } = connect(ANVIL_KEYS[1]);
    await connection.connect();
    expect(await sendOutbox({ connection, deployment, store: outboxStore(db) })).toMatchObject({
      confirmed: 1,
    });
    const claims = await connection.claimsOf(deployment, row.contentHash as `0x${string}`);
    expect(claims.map((c) => c.author)).toEqual([artist.address]);
  });

  it('counts a claim someone relayed with the same signature as confirmed', async () => {
    const db = openDb(`outbox-${crypto.randomUUID()}`);
    const certificate = await signedCertificate('Relayed first');
    const row = await saveRegistration(db, { certificate });
    await queueAnchor(db, row.id);
    const { parseCertificate } = await import('../../../src/shared/registration/certificate');
    const { typed, signature } = parseCertificate(certificate);
    // Anyone who read the signature out of the file submits it first.
    const relayer = connect(ANVIL_KEYS[2]).connection;
    await relayer.connect();
    await relayer.waitForReceipt(
      deployment,
      (await relayer.anchor(deployment, typed, signature)).txHash,
    );
    const { wallet, connection } = connect();
    await connection.connect();
    expect(await sendOutbox({ connection, deployment, store: outboxStore(db) })).toEqual({
      confirmed: 1,
      failed: 0,
      cancelled: false,
    });
    expect(wallet.log).not.toContain('eth_sendTransaction');
  });

  it("anchors the artist's claim after someone else claimed the same work", async () => {
    const db = openDb(`outbox-${crypto.randomUUID()}`);
    const certificate = await signedCertificate('Taken');
    // Someone else registers the same content hash first.
    const thief = privateKeyToAccount(ANVIL_KEYS[2]);
    const theirs = buildRegistration({
      ...certificate.message,
      chainId: 31337,
      verifyingContract: deployment.registry,
      author: thief.address,
      createdAt: 1,
      nonce: 5n,
    });
    const client = createWalletClient({
      account: thief,
      chain: foundry,
      transport: http(anvil.url),
    });
    const hash = await client.writeContract({
      address: deployment.registry,
      abi: registryAbi,
      functionName: 'register',
      args: [theirs.message],
    });
    await createPublicClient({
      chain: foundry,
      transport: http(anvil.url),
    }).waitForTransactionReceipt({ hash });

    const row = await saveRegistration(db, { certificate });
    await queueAnchor(db, row.id);
    const { connection } = connect();
    await connection.connect();
    expect(await sendOutbox({ connection, deployment, store: outboxStore(db) })).toEqual({
      confirmed: 1,
      failed: 0,
      cancelled: false,
    });
    const [stored] = await listRegistrations(db);
    expect(stored!.anchor).toMatchObject({ status: 'confirmed', receipt: { status: 'success' } });
    const claims = await connection.claimsOf(
      deployment,
      certificate.message.contentHash as `0x${string}`,
    );
    expect(claims.map((c) => c.author)).toEqual([thief.address, artist.address]);
  });

  it('checks signatures through the chain (the ERC-1271-capable path)', async () => {
    const { connection } = connect();
    await connection.connect();
    const { parseCertificate } = await import('../../../src/shared/registration/certificate');
    const { typed, signature } = parseCertificate(await signedCertificate('Checked'));
    expect(await connection.verifyOnChain(deployment, typed, signature)).toBe(true);
    const changed = { ...typed, message: { ...typed.message, title: 'Changed' } };
    expect(await connection.verifyOnChain(deployment, changed, signature)).toBe(false);
  });

  it('maps a revert on send to the decoded contract error', async () => {
    const { connection } = connect();
    await connection.connect();
    const certificate = await signedCertificate('Twice');
    const { parseCertificate } = await import('../../../src/shared/registration/certificate');
    const { typed, signature } = parseCertificate(certificate);
    await connection.waitForReceipt(
      deployment,
      (await connection.anchor(deployment, typed, signature)).txHash,
    );
    await expect(connection.anchor(deployment, typed, signature)).rejects.toMatchObject({
      code: 'wallet-tx-reverted',
      details: { errorName: 'AlreadyClaimed' },
      message: 'You have already anchored a claim on this work on this network.',
    });
  });
});
