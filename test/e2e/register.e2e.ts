/**
 * The Register room in real Chromium with an injected test wallet: an EIP-1193 provider announced
 * through EIP-6963, bridged (exposeFunction) to a Node-side account that signs and sends to a real
 * anvil chain. The chain runs with Sepolia's chain id, as a listed public test network the built
 * app offers (the shipped app lists no local chain); it starts without the CREATE2 proxy, which
 * the test places. Connect, sign, export, verify the exported file offline (and a changed copy),
 * anchor through the outbox once back online, deploy the registry on a network that has none,
 * anchor after someone else's claim and see both claims; sign for the wallet's network or for
 * another listed one; and a person declining in the wallet (4001).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPublicClient,
  createWalletClient,
  http,
  recoverTypedDataAddress,
  type Address,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { sepolia } from 'viem/chains';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { REGISTRY_ADDRESS, registryAbi } from '../../src/lib/wallet/registry';
import { buildRegistration, randomNonce } from '../../src/shared/registration/typed-data';
import { readRegistration } from '../../src/shared/registration/png';
import { encodePng } from '../../src/shared/registration/png-codec';
import { ANVIL_KEYS, startAnvil, type Anvil } from '../chain/anvil';
import { TestWallet } from '../chain/test-wallet';
import { ensureCreate2Deployer } from '../chain/deployer';
import { PROVENANCE_FIXTURES } from '../provenance/fixtures-dir';
import { readRegisteredManifest, REGISTERED_FIXTURES } from '../provenance/registered-manifest';
import { degrade, downscale, scene } from '../unit/registration/images';
import {
  endSession,
  openStudio,
  waitForReady,
  WASM_ONLY,
  type Mode,
  type StudioSession,
} from './browser';

const baseURL = inject('baseURL');
let anvil: Anvil;

const WALLET_INIT = `(() => {
  const listeners = {};
  const provider = {
    async request({ method, params }) {
      const r = await window.__walletRequest(method, params ?? []);
      if (r.error) {
        const e = new Error(r.error.message);
        e.code = r.error.code;
        e.data = r.error.data;
        throw e;
      }
      return r.result;
    },
    on(event, fn) { (listeners[event] ??= new Set()).add(fn); return provider; },
    removeListener(event, fn) { listeners[event]?.delete(fn); return provider; },
  };
  const detail = Object.freeze({
    info: Object.freeze({
      uuid: '2b1c8f0e-6f0a-4a51-9d59-3c1f4e9b7a10',
      name: 'Studio Test Wallet',
      icon: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 8 8%22%3E%3Crect width=%228%22 height=%228%22 fill=%22%236d3fc0%22/%3E%3C/svg%3E',
      rdns: 'org.atelier.test-wallet',
    }),
    provider,
  });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  // Lets the test play the wallet's events (account or network switched by the person).
  window.__testWalletEmit = (event, arg) => listeners[event]?.forEach((fn) => fn(arg));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
})();`;

const SEPOLIA = sepolia.id;

async function openWithWallet(
  mode: Mode,
  chainId: number = SEPOLIA,
  knownChains: number[] = [chainId],
) {
  const session = await openStudio({ baseURL, mode });
  const wallet = new TestWallet({ key: ANVIL_KEYS[0], rpcUrl: anvil.url, chainId, knownChains });
  await session.context.exposeFunction(
    '__walletRequest',
    async (method: string, params: unknown[]) => {
      try {
        return { result: await wallet.handle(method, params) };
      } catch (error) {
        const e = error as { code?: number; message?: string };
        // Errors thrown from exposeFunction lose `code`: return them as data instead.
        return { error: { code: e.code ?? -32603, message: e.message ?? 'error' } };
      }
    },
  );
  await session.context.addInitScript(WALLET_INIT);
  // A hash-only navigation keeps the document: reload so the init script and wallet run.
  await session.page.goto(`${baseURL}/#/register`);
  await session.page.reload();
  await waitForReady(session.page);
  return { session, wallet, page: session.page };
}

async function download(page: StudioSession['page'], testId: string): Promise<Buffer> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  return readFileSync((await file.path())!);
}

describe.each(WASM_ONLY)('Register room ($name)', (mode) => {
  let session: StudioSession | undefined;
  // A fresh chain per mode: no registry on it yet, and no CREATE2 proxy until the test places it.
  beforeAll(async () => {
    anvil = await startAnvil({ chainId: SEPOLIA, create2Deployer: false });
    expect(await ensureCreate2Deployer(anvil.url)).toBe(true);
  }, 60_000);
  afterAll(() => anvil?.stop());
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('connects, signs, exports, verifies offline, and anchors through the outbox', async () => {
    const opened = await openWithWallet(mode);
    session = opened.session;
    const { page, wallet } = opened;
    await page.getByTestId('connect-wallet').click();
    await expect
      .poll(() => page.getByTestId('wallet-account').getAttribute('data-account'))
      .toBe(wallet.account.address);

    const seed = mode.webgpu ? 101 : 202;
    const picture = scene(seed, 96, 72);
    await page.getByTestId('register-file').setInputFiles({
      name: 'harbour.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(picture)),
    });
    await expect
      .poll(() => page.getByTestId('prepared').getAttribute('data-content-hash'))
      .toMatch(/^0x[0-9a-f]{64}$/);
    await page.getByTestId('register-title-input').fill('Harbour at dusk');
    await page.getByTestId('register-licence').selectOption('CC-BY-4.0');
    // A double click makes one signature request.
    await page.getByTestId('register-sign').dblclick();
    await page.getByTestId('register-done').waitFor();
    expect(wallet.log.filter((m) => m === 'eth_signTypedData_v4')).toHaveLength(1);
    expect(wallet.log.filter((m) => /^(eth_sign|personal_sign)$/.test(m))).toEqual([]);
    await expect.poll(() => page.getByTestId('registration').count()).toBe(1);

    const png = await download(page, 'export-png');
    const certificate = JSON.parse((await download(page, 'export-certificate')).toString('utf8'));
    expect(JSON.parse(readRegistration(new Uint8Array(png))!)).toEqual(certificate);
    expect(certificate.message).toMatchObject({
      title: 'Harbour at dusk',
      licenseId: 'CC-BY-4.0',
      author: wallet.account.address,
    });
    // The downloaded PNG also carries Content Credentials with the same registration inside:
    // c2pa-rs validates them, and the signer recovers to the wallet (viem, not our verifier).
    const read = await readRegisteredManifest(new Uint8Array(png), 'image/png');
    expect(read.failures).toEqual(['signingCredential.untrusted']);
    expect(read.registration.message.contentHash).toBe(certificate.message.contentHash);
    expect(read.signer).toBe(wallet.account.address);

    // Offline: verify the exported file, a changed certificate, and a resized copy.
    await session.context.setOffline(true);
    const result = page.getByTestId('verify-result');
    await page
      .getByTestId('verify-file')
      .setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => result.getAttribute('data-valid')).toBe('true');
    expect(await page.getByTestId('verify-signer').textContent()).toBe(wallet.account.address);
    expect(await page.getByTestId('verify-title').textContent()).toBe('Harbour at dusk');
    await expect
      .poll(() => page.getByTestId('credentials-registration').textContent())
      .toBe('“Harbour at dusk”');

    const forged = { ...certificate, message: { ...certificate.message, title: 'Not mine' } };
    await page.getByTestId('verify-file').setInputFiles({
      name: 'forged.certificate.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(forged)),
    });
    await expect.poll(() => result.getAttribute('data-reason')).toBe('wrong-signer');
    expect(await result.getAttribute('data-valid')).toBe('false');

    const copy = encodePng(downscale(degrade(picture, 6, 2), 2));
    await page
      .getByTestId('verify-file')
      .setInputFiles({ name: 'copy.png', mimeType: 'image/png', buffer: Buffer.from(copy) });
    await expect.poll(() => result.getAttribute('data-valid')).toBe('none');
    const similar = page.getByTestId('verify-similar').locator('li');
    await expect.poll(() => similar.count()).toBe(1);
    expect(Number(await similar.first().getAttribute('data-distance'))).toBeLessThanOrEqual(10);
    expect(await similar.first().textContent()).toContain('Harbour at dusk');

    // Anchoring offline waits in the outbox.
    await page.getByTestId('anchor').click();
    await expect
      .poll(() => page.getByTestId('anchor-status').getAttribute('data-status'))
      .toBe('queued');
    expect(wallet.log).not.toContain('eth_sendTransaction');
    // Back online, the outbox tries at once, and finds this network has no registry yet.
    await session.context.setOffline(false);
    await page.getByTestId('registry-missing').waitFor();
    expect(await page.getByTestId('registry-missing').textContent()).toContain(
      'has no registry yet — deploy it',
    );
    expect(wallet.log).not.toContain('eth_sendTransaction');
    await page.getByTestId('deploy-registry').click();
    await page.getByTestId('registry-missing').waitFor({ state: 'detached' });
    const pub = createPublicClient({ chain: sepolia, transport: http(anvil.url) });
    // The one deploy transaction put the registry at the address the app computes.
    expect(await pub.getCode({ address: REGISTRY_ADDRESS })).toMatch(/^0x[0-9a-f]{200,}$/);
    expect(wallet.log.filter((m) => m === 'eth_sendTransaction')).toHaveLength(1);

    // Someone holding a copy claims the same file first, under their own address.
    const copier = privateKeyToAccount(ANVIL_KEYS[2]);
    const theirs = buildRegistration({
      ...certificate.message,
      chainId: SEPOLIA,
      verifyingContract: REGISTRY_ADDRESS,
      author: copier.address,
      nonce: randomNonce(),
    });
    const stolen = await createWalletClient({
      account: copier,
      chain: sepolia,
      transport: http(anvil.url),
    }).writeContract({
      address: REGISTRY_ADDRESS,
      abi: registryAbi,
      functionName: 'register',
      args: [theirs.message],
    });
    await pub.waitForTransactionReceipt({ hash: stolen });

    // The artist's anchoring still succeeds.
    await page.getByTestId('send-outbox').click();
    await expect
      .poll(() => page.getByTestId('anchor-status').getAttribute('data-status'), {
        timeout: 30_000,
      })
      .toBe('confirmed');
    expect(await page.getByTestId('anchor-status').textContent()).toMatch(/block \d+, gas \d+/);
    // The exported file, checked against the registry through the wallet: both claims, in order.
    await page
      .getByTestId('verify-file')
      .setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => result.getAttribute('data-valid')).toBe('true');
    await page.getByTestId('check-on-chain').click();
    await expect
      .poll(() => page.getByTestId('on-chain-result').textContent())
      .toMatch(
        /^Anchored on Sepolia \(test network\) by the author on .*another address claimed it first/,
      );
    const claims = page.getByTestId('on-chain-claims').locator('li');
    await expect.poll(() => claims.count()).toBe(2);
    expect(await claims.nth(0).getAttribute('data-author')).toBe(copier.address);
    expect(await claims.nth(0).getAttribute('data-first')).toBe('true');
    expect(await claims.nth(1).getAttribute('data-author')).toBe(wallet.account.address);
    expect(await claims.nth(1).getAttribute('data-this-file')).toBe('true');
    const onChain = (await pub.readContract({
      address: REGISTRY_ADDRESS,
      abi: registryAbi,
      functionName: 'claimsOf',
      args: [certificate.message.contentHash as Hex, 0n, 10n],
    })) as Array<{ author: Address }>;
    expect(onChain.map((c) => c.author)).toEqual([copier.address, wallet.account.address]);
  });

  it('registers a work picked from the library', async () => {
    const opened = await openWithWallet(mode);
    session = opened.session;
    const { page, wallet } = opened;
    const original = encodePng(scene(mode.webgpu ? 505 : 606, 64, 64));
    await page.locator('nav a[data-room=library]').click();
    await page.getByTestId('import-input').setInputFiles({
      name: 'lighthouse.png',
      mimeType: 'image/png',
      buffer: Buffer.from(original),
    });
    await expect.poll(() => page.getByTestId('import-result').count(), { timeout: 60_000 }).toBe(1);
    await page.locator('nav a[data-room=register]').click();
    await page.getByTestId('connect-wallet').click();
    await page.getByTestId('wallet-account').waitFor();
    const option = page.getByTestId('pick-work').locator('option', { hasText: 'lighthouse' });
    await expect.poll(() => option.count()).toBe(1);
    await page.getByTestId('pick-work').selectOption((await option.getAttribute('value'))!);
    // The library keeps the imported PNG as it was: its hash is the file's SHA-256.
    const expected = `0x${createHash('sha256').update(original).digest('hex')}`;
    await expect
      .poll(() => page.getByTestId('prepared').getAttribute('data-content-hash'))
      .toBe(expected);
    expect(await page.getByTestId('register-title-input').inputValue()).toContain('lighthouse');
    await page.getByTestId('register-sign').click();
    await page.getByTestId('register-done').waitFor();
    await expect
      .poll(() => page.getByTestId('registration').getAttribute('data-content-hash'))
      .toBe(expected);
    expect(wallet.log).toContain('eth_signTypedData_v4');
    // The Register room's own download: the registration chunk and Content Credentials with it.
    const fromRoom = new Uint8Array(await download(page, 'export-png'));
    expect(JSON.parse(readRegistration(fromRoom)!).message.contentHash).toBe(expected);
    const roomManifest = await readRegisteredManifest(fromRoom, 'image/png');
    expect(roomManifest.failures).toEqual(['signingCredential.untrusted']);
    expect(roomManifest.registration.message.contentHash).toBe(expected);
    expect(roomManifest.signer).toBe(wallet.account.address);

    // The registered work's exports carry the registration inside their Content Credentials:
    // c2pa-rs reads it, and its signer recovers to the wallet (viem, not Atelier's verifier).
    await page.locator('nav a[data-room=library]').click();
    await page.getByTestId('work-card').filter({ hasText: 'lighthouse' }).click();
    for (const { file, type } of REGISTERED_FIXTURES) {
      await page.getByTestId('export-format').selectOption(type);
      const [saved] = await Promise.all([
        page.waitForEvent('download', { timeout: 120_000 }),
        page.getByRole('button', { name: 'Export', exact: true }).click(),
      ]);
      const bytes = new Uint8Array(readFileSync((await saved.path())!));
      const read = await readRegisteredManifest(bytes, type);
      expect(read.failures, type).toEqual(['signingCredential.untrusted']);
      expect(read.registration.message.contentHash).toBe(expected);
      expect(read.registration.domain.chainId).toBe(SEPOLIA);
      expect(read.signer, type).toBe(wallet.account.address);
      // `npm run fixtures:provenance` keeps these as test/fixtures/provenance/.
      if (process.env.FIXTURES_WRITE === '1') {
        writeFileSync(join(PROVENANCE_FIXTURES, file), bytes);
      }
    }
  });

  it("signs for the wallet's listed network (Ethereum), or for another one the artist picks", async () => {
    const opened = await openWithWallet(mode, 1, [1, 8453]);
    session = opened.session;
    const { page, wallet } = opened;
    await page.getByTestId('connect-wallet').click();
    await expect
      .poll(() => page.getByTestId('wallet-account').textContent())
      .toContain('on Ethereum');
    expect(await page.getByTestId('signing-network').getAttribute('data-chain-id')).toBe('1');
    expect(await page.locator('body').textContent()).not.toMatch(/anvil/i);
    await page.getByTestId('register-file').setInputFiles({
      name: 'mainnet.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(scene(mode.webgpu ? 1103 : 1104, 40, 40))),
    });
    await page.getByTestId('prepared').waitFor();
    await page.getByTestId('register-sign').click();
    await page.getByTestId('register-done').waitFor();
    expect(wallet.log).not.toContain('wallet_switchEthereumChain');
    const certificate = JSON.parse((await download(page, 'export-certificate')).toString('utf8'));
    expect(certificate.domain).toEqual({
      name: 'Atelier Copyright Registry',
      version: '1',
      chainId: 1,
      verifyingContract: REGISTRY_ADDRESS,
    });
    const { EIP712Domain: _, ...types } = certificate.types;
    const signer = await recoverTypedDataAddress({
      domain: certificate.domain,
      types,
      primaryType: certificate.primaryType,
      message: certificate.message,
      signature: certificate.signature,
    });
    expect(signer).toBe(wallet.account.address);

    // The artist picks Base: the wallet is asked to switch, and the record is signed for Base.
    await page.getByTestId('network-select').selectOption('8453');
    await expect
      .poll(() => page.getByTestId('signing-network').textContent())
      .toContain('will ask the wallet to switch');
    await page.getByTestId('register-file').setInputFiles({
      name: 'base.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(scene(mode.webgpu ? 1105 : 1106, 40, 40))),
    });
    await page.getByTestId('prepared').waitFor();
    await page.getByTestId('register-sign').click();
    await page.getByTestId('register-done').waitFor();
    expect(wallet.chainId).toBe(8453);
    expect(wallet.log).toContain('wallet_switchEthereumChain');
    await expect
      .poll(() =>
        page.getByTestId('registration').evaluateAll((els) => els.map((e) => e.dataset.chainId)),
      )
      .toEqual(expect.arrayContaining(['1', '8453']));
  });

  it('offers to add the network when the wallet does not know it (4902), then signs', async () => {
    const opened = await openWithWallet(mode, 1);
    session = opened.session;
    const { page, wallet } = opened;
    await page.getByTestId('connect-wallet').click();
    await expect
      .poll(() => page.getByTestId('wallet-account').textContent())
      .toContain('on Ethereum');
    await page.getByTestId('network-select').selectOption(String(SEPOLIA));
    await page.getByTestId('register-file').setInputFiles({
      name: 'dune.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(scene(mode.webgpu ? 707 : 808, 40, 40))),
    });
    await page.getByTestId('prepared').waitFor();
    await page.getByTestId('register-sign').click();
    await page.getByTestId('add-network').click();
    await expect.poll(() => wallet.chainId).toBe(SEPOLIA);
    expect(wallet.log).toContain('wallet_addEthereumChain');
    expect(wallet.log).not.toContain('eth_signTypedData_v4');
    await page.getByTestId('register-sign').click();
    await page.getByTestId('register-done').waitFor();
    await expect.poll(() => page.getByTestId('registration').count()).toBe(1);
    expect(await page.getByTestId('registration').getAttribute('data-chain-id')).toBe(
      String(SEPOLIA),
    );
  });

  it('restarts the flow when the network changes while the wallet is asking', async () => {
    const opened = await openWithWallet(mode, SEPOLIA, [SEPOLIA, 1]);
    session = opened.session;
    const { page, wallet } = opened;
    await page.getByTestId('connect-wallet').click();
    await page.getByTestId('wallet-account').waitFor();
    await page.getByTestId('register-file').setInputFiles({
      name: 'reef.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(scene(mode.webgpu ? 909 : 1001, 40, 40))),
    });
    await page.getByTestId('prepared').waitFor();
    wallet.delays.set('eth_signTypedData_v4', 1_000);
    await page.getByTestId('register-sign').click();
    await expect.poll(() => wallet.log.includes('eth_signTypedData_v4')).toBe(true);
    // The person switches the wallet to Ethereum meanwhile.
    wallet.chainId = 1;
    await page.evaluate(() =>
      (window as unknown as { __testWalletEmit(e: string, a: unknown): void }).__testWalletEmit(
        'chainChanged',
        '0x1',
      ),
    );
    await page.getByTestId('register-done').waitFor();
    // The first request was abandoned; the flow started again for the wallet's new network.
    expect(wallet.log.filter((m) => m === 'eth_signTypedData_v4')).toHaveLength(2);
    await expect.poll(() => page.getByTestId('registration').count()).toBe(1);
    expect(await page.getByTestId('registration').getAttribute('data-chain-id')).toBe('1');
  });

  it('shows a quiet "cancelled" when the person declines in the wallet, and stores nothing', async () => {
    const opened = await openWithWallet(mode);
    session = opened.session;
    const { page, wallet } = opened;
    await page.getByTestId('connect-wallet').click();
    await page.getByTestId('wallet-account').waitFor();
    wallet.fail('eth_signTypedData_v4', { code: 4001, message: 'User rejected the request.' });
    await page.getByTestId('register-file').setInputFiles({
      name: 'gull.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(scene(mode.webgpu ? 303 : 404, 48, 48))),
    });
    await page.getByTestId('prepared').waitFor();
    await page.getByTestId('register-sign').click();
    await expect
      .poll(() => page.getByTestId('register-notice').textContent())
      .toContain('Cancelled in the wallet.');
    expect(await page.locator('.toast[data-kind=error]').count()).toBe(0);
    expect(await page.getByTestId('registration').count()).toBe(0);
    // Nothing lost: the work is still prepared and can be signed once the wallet agrees.
    wallet.failures.clear();
    await page.getByTestId('register-sign').click();
    await page.getByTestId('register-done').waitFor();
    await expect.poll(() => page.getByTestId('registration').count()).toBe(1);
  });
});
