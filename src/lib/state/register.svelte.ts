/**
 * The Register room's state: the wallet (discovered, connected, on the registry's chain), the
 * work being registered (from the library or a dropped PNG), the sign → verify → store flow,
 * exports, verification of dropped files and certificates, and the anchoring outbox.
 *
 * Hashing runs in the hash worker; the wallet is reached only through src/lib/wallet; rows go
 * through src/lib/db. A wallet refusal (4001) is a quiet "cancelled" notice, never a red toast;
 * other errors go through handleError.
 */
import type { Address, Hex } from 'viem';
import { hasCode, isAbortError } from '../../shared/errors/base';
import { WalletError } from '../../shared/errors/wallet';
import {
  certificateText,
  toCertificate,
  verifyCertificate,
  type Verification,
} from '../../shared/registration/certificate';
import { embedRegistration } from '../../shared/registration/png';
import { buildRegistration, LICENSES, randomNonce } from '../../shared/registration/typed-data';
import { analyseImage, type AnalysedImage } from '../compute/hash-client';
import { db } from '../db/instance';
import {
  findByContentHash,
  findSimilar,
  listRegistrations,
  outboxStore,
  queueAnchor,
  saveRegistration,
  type RegistrationRow,
  type SimilarRegistration,
} from '../db/registrations';

export type { RegistrationRow };
import type { Version, Work } from '../db/schema';
import { getBlob, listVersions, listWorks } from '../db/works';
import { handleError } from '../errors/handle-error';
import { WalletConnection } from '../wallet/connection';
import { watchWallets, type WalletOption } from '../wallet/discovery';
import { walletMessage } from '../wallet/errors';
import { sendOutbox } from '../wallet/outbox';
import { chooseNetwork, networkById } from '../wallet/networks';
import type { Deployment } from '../wallet/registry';
import { track } from '../db/events';
import {
  claimsSummary,
  claimViews,
  networkOfDomain,
  pendingNetworks,
  type ClaimView,
} from './register-chain';
import { settings } from './settings.svelte';
import { readCredentials } from '../compute/provenance-client';
import { registeredPngWithCredentials } from './export-credentials';
import type { CredentialsSummary } from '../../shared/provenance/read';

export type WalletStatus = 'none' | 'connecting' | 'connected' | 'unknown-chain';
export type Phase = 'idle' | 'hashing' | 'switching' | 'signing' | 'saving';

export interface Source {
  kind: 'work' | 'file';
  name: string;
  workId?: string;
  versionId?: string;
}

export interface VerifyView {
  name: string;
  kind: 'png' | 'certificate' | 'image';
  /** Why the file could not be read as an image (a damaged PNG), in words. */
  problem?: string;
  /** Null when the file carries no certificate. */
  verification: Verification | null;
  contentHash?: string;
  perceptualHash?: string;
  /** Local registrations of exactly this file. */
  exact: RegistrationRow[];
  /** Local registrations that look like this picture (perceptual hash), closest first. */
  similar: SimilarRegistration[];
}

function slug(title: string): string {
  return (
    title
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .toLowerCase()
      .slice(0, 60) || 'work'
  );
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

class RegisterState {
  /** A network found without the registry: the room offers to deploy it there. */
  registryMissing = $state.raw<Deployment | null>(null);
  deploying = $state(false);
  wallets = $state<WalletOption[]>([]);
  walletId = $state<string | null>(null);
  walletStatus = $state<WalletStatus>('none');
  account = $state<Address | null>(null);
  chainId = $state<number | null>(null);
  /** The network registrations are signed for: the person's choice, else the wallet's (listed). */
  deployment = $derived(chooseNetwork(settings.network, this.chainId));
  /** A quiet line under the wallet or the form ("Cancelled in the wallet."). */
  notice = $state('');

  works = $state<Work[]>([]);
  versions = $state<Version[]>([]);
  source = $state<Source | null>(null);
  prepared = $state.raw<AnalysedImage | null>(null);
  previewUrl = $state<string | null>(null);
  title = $state('');
  licenseId = $state<string>(LICENSES[0].id);
  phase = $state<Phase>('idle');
  last = $state.raw<RegistrationRow | null>(null);

  registrations = $state.raw<RegistrationRow[]>([]);
  pending = $derived(
    this.registrations.filter((r) => r.anchor?.status === 'queued' || r.anchor?.status === 'sent')
      .length,
  );
  online = $state(globalThis.navigator?.onLine ?? true);
  anchoring = $state(false);

  verifying = $state(false);
  /** The registration whose PNG is being made (with its Content Credentials), or empty. */
  exporting = $state('');
  verify = $state.raw<VerifyView | null>(null);
  /** The result of the last on-chain lookup for the verified record. */
  onChain = $state('');
  /** The verified file's Content Credentials (C2PA), null when it has none. */
  credentials = $state.raw<CredentialsSummary | null>(null);
  /** Every claim on the verified work, in anchoring order. */
  claims = $state.raw<ClaimView[]>([]);

  #connection: WalletConnection | null = null;
  /** The network the wallet was last asked to switch to (what "Add the network" adds). */
  #asked: Deployment | null = null;
  #abort: AbortController | null = null;

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Starts wallet discovery and online/offline tracking; returns the cleanup. */
  start(): () => void {
    const stopWallets = watchWallets((list) => (this.wallets = list));
    const onOnline = () => {
      this.online = true;
      // The outbox anchors as soon as the device is back online (the wallet still confirms).
      if (this.pending > 0 && this.#connection?.account) void this.sendPending();
    };
    const onOffline = () => (this.online = false);
    addEventListener('online', onOnline);
    addEventListener('offline', onOffline);
    void this.refresh();
    return () => {
      stopWallets();
      removeEventListener('online', onOnline);
      removeEventListener('offline', onOffline);
      this.#abort?.abort();
    };
  }

  async refresh(): Promise<void> {
    try {
      [this.registrations, this.works] = await Promise.all([listRegistrations(db), listWorks(db)]);
    } catch (error) {
      handleError(error, 'Reading registrations');
    }
  }

  // ---- wallet -------------------------------------------------------------------------------

  /** Shows a wallet error: 4001 quietly, the rest through handleError. Returns true if quiet. */
  #walletProblem(error: unknown, context: string): void {
    if (isAbortError(error)) return;
    if (hasCode(error) && error.code === 'wallet-rejected') {
      this.notice = walletMessage('wallet-rejected');
      return;
    }
    if (hasCode(error) && error.code === 'wallet-unknown-chain') {
      this.walletStatus = 'unknown-chain';
      this.notice = `Your wallet does not know ${(this.#asked ?? this.deployment).chainName} yet: add it to continue.`;
      return;
    }
    if (hasCode(error) && error.code === 'registry-missing') {
      const chainId = (error as WalletError).details.chainId;
      this.registryMissing = networkById(Number(chainId)) ?? this.deployment;
      this.notice = `${this.registryMissing.chainName} has no registry yet — deploy it.`;
      return;
    }
    if (hasCode(error) && error.code === 'wallet-request-pending') {
      this.notice = walletMessage('wallet-request-pending');
      return;
    }
    handleError(error, context);
  }

  async connect(walletId: string): Promise<void> {
    const option = this.wallets.find((w) => w.id === walletId);
    if (!option) return;
    if (this.walletStatus === 'connecting') return;
    this.notice = '';
    if (this.#connection?.provider !== option.provider) {
      this.#connection?.dispose();
      this.#connection = new WalletConnection(option.provider);
      this.#connection.onChange((change) => {
        this.account = this.#connection?.account ?? null;
        this.chainId = this.#connection?.chainId ?? null;
        if (change.kind === 'disconnect' || !this.account) this.walletStatus = 'none';
      });
    }
    this.walletId = walletId;
    this.walletStatus = 'connecting';
    try {
      this.account = await this.#connection.connect();
      this.chainId = this.#connection.chainId;
      this.walletStatus = 'connected';
    } catch (error) {
      this.walletStatus = 'none';
      this.#walletProblem(error, 'Connecting the wallet');
    }
  }

  /** Asks the wallet onto `network` (it may say no); remembers it for "Add the network". */
  async #switchTo(connection: WalletConnection, network: Deployment): Promise<void> {
    this.#asked = network;
    await connection.ensureChain(network);
    this.chainId = connection.chainId;
  }

  async addNetwork(): Promise<void> {
    if (!this.#connection) return;
    this.notice = '';
    try {
      await this.#connection.addChain(this.#asked ?? this.deployment);
      this.chainId = this.#connection.chainId;
      this.walletStatus = 'connected';
    } catch (error) {
      this.#walletProblem(error, 'Adding the network');
    }
  }

  // ---- picking a work -----------------------------------------------------------------------

  async chooseWork(workId: string): Promise<void> {
    try {
      this.versions = workId ? await listVersions(db, workId) : [];
      const work = this.works.find((w) => w.id === workId);
      if (!work) return;
      await this.chooseVersion(work, this.versions[0]?.id ?? '');
    } catch (error) {
      handleError(error, 'Opening the work');
    }
  }

  async chooseVersion(work: Work, versionId: string): Promise<void> {
    const version = this.versions.find((v) => v.id === versionId);
    const blob = await getBlob(db, version ? version.blobId : work.originalBlobId);
    const name = version ? `${work.title} — ${version.label}` : work.title;
    await this.#prepare(blob, {
      kind: 'work',
      name,
      workId: work.id,
      ...(version ? { versionId: version.id } : {}),
    });
    if (!this.title) this.title = work.texts?.title || work.title;
  }

  async chooseFile(file: File): Promise<void> {
    await this.#prepare(file, { kind: 'file', name: file.name });
    if (!this.title) this.title = file.name.replace(/\.[a-z0-9]+$/i, '');
  }

  async #prepare(blob: Blob, source: Source): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.phase = 'hashing';
    this.last = null;
    this.notice = '';
    try {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const prepared = await analyseImage(bytes, blob.type, abort.signal);
      if (abort.signal.aborted) return;
      this.source = source;
      this.prepared = prepared;
      if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
      this.previewUrl = URL.createObjectURL(
        new Blob([prepared.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      );
    } catch (error) {
      handleError(error, `Reading ${source.name}`);
    } finally {
      if (this.#abort === abort) this.phase = 'idle';
    }
  }

  // ---- registering --------------------------------------------------------------------------

  /** Signs the prepared work; a double click while in flight does nothing. */
  async register(): Promise<void> {
    if (this.busy) return;
    const prepared = this.prepared;
    const source = this.source;
    if (!prepared || !source) return;
    this.notice = '';
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.#registerOnce(prepared, source);
          return;
        } catch (error) {
          // The account or network changed mid-flow: start again once, with the new context.
          if (hasCode(error) && error.code === 'wallet-context-changed' && attempt === 0) {
            this.account = this.#connection?.account ?? null;
            if (this.account) continue;
          }
          throw error;
        }
      }
    } catch (error) {
      if (hasCode(error) && error.code === 'wallet-context-changed') {
        this.notice = walletMessage('wallet-context-changed');
      } else {
        this.#walletProblem(error, 'Registering');
      }
    } finally {
      this.phase = 'idle';
    }
  }

  async #registerOnce(prepared: AnalysedImage, source: Source): Promise<void> {
    const connection = this.#connection;
    if (!connection?.account || this.walletStatus === 'none') {
      throw new WalletError('wallet-not-connected', 'Connect a wallet first.');
    }
    this.phase = 'switching';
    const network = this.deployment;
    await this.#switchTo(connection, network);
    const typed = buildRegistration({
      chainId: network.chainId,
      verifyingContract: network.registry,
      contentHash: prepared.contentHash,
      perceptualHash: prepared.perceptualHash,
      title: this.title,
      author: connection.account,
      createdAt: Math.floor(Date.now() / 1000),
      licenseId: this.licenseId,
      nonce: randomNonce(),
    });
    this.phase = 'signing';
    const signature = await connection.signRegistration(typed);
    this.phase = 'saving';
    const certificate = toCertificate(typed, signature);
    // Checked again from the stored form, as any verifier will read it.
    const check = await verifyCertificate(certificate, { contentHash: prepared.contentHash });
    if (!check.valid) throw new WalletError('wallet-bad-signature', check.message);
    const png = embedRegistration(prepared.png, certificateText(certificate));
    const row = await saveRegistration(db, {
      certificate,
      png: new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
      ...(source.workId ? { workId: source.workId } : {}),
      ...(source.versionId ? { versionId: source.versionId } : {}),
      ...(source.kind === 'file' ? { fileName: source.name } : {}),
    });
    track({
      type: 'registration.signed',
      registrationId: row.id,
      ...(source.workId ? { workId: source.workId } : {}),
    });
    // The list first, then "done": the person sees both together.
    await this.refresh();
    this.last = row;
  }

  /** The registered PNG with Content Credentials that carry the same registration. */
  async exportPng(row: RegistrationRow): Promise<void> {
    // A row restored from a backup may have lost its Blob (JSON manifests cannot hold one).
    const png = row.png;
    if (!(png instanceof Blob) || this.exporting) return;
    this.exporting = row.id;
    try {
      download(await registeredPngWithCredentials({ ...row, png }), `${slug(row.title)}.png`);
    } catch (error) {
      handleError(error, 'Adding Content Credentials to the PNG');
    } finally {
      this.exporting = '';
    }
  }

  exportCertificate(row: RegistrationRow): void {
    const text = certificateText(row.certificate);
    download(new Blob([text], { type: 'application/json' }), `${slug(row.title)}.certificate.json`);
  }

  // ---- verifying ----------------------------------------------------------------------------

  async verifyFile(file: File): Promise<void> {
    this.verifying = true;
    this.onChain = '';
    this.credentials = null;
    try {
      const isJson = file.type === 'application/json' || /\.json$/i.test(file.name);
      if (isJson) {
        const text = await file.text();
        const verification = await verifyCertificate(text);
        const hash = verification.typed?.message.contentHash;
        this.verify = {
          name: file.name,
          kind: 'certificate',
          verification,
          exact: hash ? await findByContentHash(db, hash) : [],
          similar: [],
        };
        return;
      }
      // Content Credentials are read beside our own registration chunk (any tool's C2PA file).
      const credentials = readCredentials(file).catch(() => null);
      this.verify = null;
      let image: AnalysedImage;
      try {
        image = await analyseImage(new Uint8Array(await file.arrayBuffer()), file.type);
      } catch (error) {
        // A damaged PNG: said in words, with what its Content Credentials say of it.
        if (!hasCode(error) || error.code !== 'png-invalid') throw error;
        this.credentials = await credentials;
        this.verify = {
          name: file.name,
          kind: 'png',
          problem: (error as Error).message,
          verification: null,
          exact: [],
          similar: [],
        };
        return;
      }
      this.credentials = await credentials;
      const check = (text: string, contentHash: Hex) =>
        verifyCertificate(text, {
          contentHash,
          perceptualHash: image.perceptualHash,
          registrationChunks: image.registrationChunks,
        });
      let verification = image.certificateText
        ? await check(image.certificateText, image.contentHash)
        : null;
      // Registered before metadata was left out of the hash: it signed the file with it.
      if (verification && !verification.contentMatches && image.legacyContentHash) {
        const legacy = await check(image.certificateText!, image.legacyContentHash);
        if (legacy.contentMatches) verification = legacy;
      }
      const exact = [
        ...(await findByContentHash(db, image.contentHash)),
        ...(image.legacyContentHash ? await findByContentHash(db, image.legacyContentHash) : []),
      ];
      const similar =
        verification?.valid && verification.contentMatches
          ? []
          : (await findSimilar(db, image.perceptualHash)).filter(
              (s) => !exact.some((e) => e.id === s.row.id),
            );
      this.verify = {
        name: file.name,
        kind: image.converted ? 'image' : 'png',
        verification,
        contentHash: image.contentHash,
        perceptualHash: image.perceptualHash,
        exact,
        similar,
      };
    } catch (error) {
      handleError(error, `Checking ${file.name}`);
    } finally {
      this.verifying = false;
    }
  }

  /**
   * Looks the verified record up in the registry through the connected wallet: whether it is
   * anchored, by whom and when (the block time is the trustworthy one), and, for a signature
   * offline ecrecover refused, whether a smart-contract wallet accepts it (ERC-1271).
   */
  async checkOnChain(): Promise<void> {
    const view = this.verify;
    const typed = view?.verification?.typed;
    const signature = view?.verification?.signature;
    const connection = this.#connection;
    if (!view || !typed || !signature || !connection?.account) return;
    this.claims = [];
    const network = networkOfDomain(typed.domain);
    if (!network) {
      this.onChain = `Signed for a registry Atelier does not list (chain ${typed.domain.chainId}).`;
      return;
    }
    this.onChain = 'Checking on-chain…';
    try {
      await this.#switchTo(connection, network);
      await connection.requireRegistry(network);
      const claims = await connection.claimsOf(network, typed.message.contentHash);
      const parts: string[] = [];
      if (view.verification?.reason === 'wrong-signer') {
        const ok = await connection.verifyOnChain(network, typed, signature);
        parts.push(
          ok
            ? 'The author is a smart-contract wallet and accepts this signature.'
            : 'The author does not accept this signature on-chain either.',
        );
      }
      this.claims = claimViews(claims, typed);
      parts.push(claimsSummary(this.claims, network.chainName));
      this.onChain = parts.join(' ');
    } catch (error) {
      this.onChain = '';
      this.#walletProblem(error, 'Checking on-chain');
    }
  }

  /** Deploys the registry on the network that has none (one transaction, anyone may send it). */
  async deployRegistry(): Promise<void> {
    const network = this.registryMissing;
    const connection = this.#connection;
    if (!network || !connection?.account || this.deploying) return;
    this.deploying = true;
    this.notice = '';
    try {
      await this.#switchTo(connection, network);
      await connection.deployRegistry(network);
      this.registryMissing = null;
      this.notice = `The registry now lives on ${network.chainName}, at the same address as on every network. Waiting registrations can be sent now.`;
    } catch (error) {
      this.#walletProblem(error, 'Deploying the registry');
    } finally {
      this.deploying = false;
    }
  }

  // ---- anchoring ----------------------------------------------------------------------------

  /** Puts a registration in the outbox, and sends it now when online and connected. */
  async anchor(row: RegistrationRow): Promise<void> {
    try {
      await queueAnchor(db, row.id);
      await this.refresh();
      if (!this.online) {
        this.notice = 'Offline: the registration waits in the outbox until you are back online.';
        return;
      }
      await this.sendPending();
    } catch (error) {
      handleError(error, 'Anchoring');
    }
  }

  /** Sends everything in the outbox (the person confirmed). */
  async sendPending(): Promise<void> {
    if (this.anchoring) return;
    const connection = this.#connection;
    if (!connection?.account) {
      this.notice = 'Connect a wallet to send the waiting registrations.';
      return;
    }
    this.anchoring = true;
    this.notice = '';
    try {
      const { networks, unlisted } = pendingNetworks(this.registrations);
      let cancelled = false;
      for (const network of networks) {
        await this.#switchTo(connection, network);
        await connection.requireRegistry(network);
        const run = await sendOutbox({
          connection,
          deployment: network,
          store: outboxStore(db),
          onUpdate: (id, anchor) => {
            if (anchor.status === 'confirmed')
              track({ type: 'registration.anchored', registrationId: id });
            void this.refresh();
          },
        });
        if (run.cancelled) {
          cancelled = true;
          break;
        }
      }
      if (cancelled) this.notice = 'Cancelled in the wallet. The registration is still waiting.';
      else if (unlisted > 0)
        this.notice = `${unlisted} waiting registration${unlisted === 1 ? ' was' : 's were'} signed for a network this version does not list; they stay in the outbox.`;
    } catch (error) {
      this.#walletProblem(error, 'Anchoring');
    } finally {
      this.anchoring = false;
      await this.refresh();
    }
  }
}

export const register = new RegisterState();
