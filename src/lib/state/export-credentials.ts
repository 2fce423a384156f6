/**
 * What an export's Content Credentials say, gathered from the studio's own records: the work's
 * original (the parent ingredient), the version's effect stack (the history), the work's
 * training choice (its own, else the artist's default in Settings; also written as XMP data
 * mining metadata), and the work's wallet registration when it has one.
 */
import { editStepsOf } from '../../shared/provenance/edits';
import type { ContentCredentialsInfo, ExportFormat } from '../../shared/provenance/manifest';
import { addXmp, dataMiningXmp } from '../../shared/provenance/xmp';
import { withContentCredentials } from '../compute/provenance-client';
import { stripMetadata } from '../../shared/registration/content-hash';
import { stripRegistration } from '../../shared/registration/png';
import { db } from '../db/instance';
import type { RegistrationRow } from '../db/registrations';
import type { Version, Work } from '../db/schema';
import { getOriginalBlob } from '../db/works';
import { settings } from './settings.svelte';

/** The work's newest registration, if any. */
async function registrationOf(work: Work): Promise<RegistrationRow | undefined> {
  const rows = (await db.registrations
    .where('workId')
    .equals(work.id)
    .toArray()) as RegistrationRow[];
  return rows.sort((a, b) => b.createdAt - a.createdAt)[0];
}

/** The claim's thumbnail: the export itself, at most 256 px on its long side, as JPEG. */
async function thumbnailOf(encoded: Blob): Promise<{ bytes: Uint8Array; format: string } | null> {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const full = await createImageBitmap(encoded);
  const scale = Math.min(1, 256 / Math.max(full.width, full.height));
  const w = Math.max(1, Math.round(full.width * scale));
  const h = Math.max(1, Math.round(full.height * scale));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff'; // JPEG has no alpha
  ctx.fillRect(0, 0, w, h);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(full, 0, 0, w, h);
  full.close();
  const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  return { bytes: new Uint8Array(await jpeg.arrayBuffer()), format: 'image/jpeg' };
}

/** `encoded` with signed Content Credentials. @throws ProvenanceError, ComputeError. */
export async function contentCredentialsFor(
  work: Work,
  encoded: Blob,
  options: {
    type: ExportFormat;
    version?: Version;
    strip?: boolean;
    /** This registration rather than the work's newest. */
    registration?: RegistrationRow;
  },
): Promise<Blob> {
  // The caller may hold a copy from before the artist changed the work's training choice.
  const saved = (await db.works.get(work.id)) ?? work;
  const original = await getOriginalBlob(db, work.id);
  // Stripped: nothing that names the artist or the work (no title, no wallet registration).
  const registration = options.strip
    ? undefined
    : (options.registration ?? (await registrationOf(work)));
  return signed(encoded, options.type, {
    title: options.strip ? 'Image' : work.texts?.title || work.title,
    original: {
      bytes: new Uint8Array(await original.arrayBuffer()),
      format: original.type || 'image/png',
      title: options.strip ? 'Original' : work.title,
    },
    edits: editStepsOf(options.version?.stack),
    training: saved.training ?? settings.training,
    ...(registration ? { registration: registration.certificate } : {}),
  });
}

/**
 * The Register room's download: the registered PNG (its registration chunk kept) with Content
 * Credentials carrying the same registration. A registered work's credentials read as its
 * exports' do; a file registered on its own is its own original. Credentials or XMP the file
 * held are replaced (the content hash leaves them out, so the registration still matches).
 * @throws ProvenanceError, ComputeError, WalletError `png-invalid`.
 */
export async function registeredPngWithCredentials(
  row: RegistrationRow & { png: Blob },
): Promise<Blob> {
  const png = stripMetadata(new Uint8Array(await row.png.arrayBuffer()));
  const encoded = new Blob([png as BlobPart], { type: 'image/png' });
  const work = row.workId ? await db.works.get(row.workId) : undefined;
  if (work) {
    const version = row.versionId ? await db.versions.get(row.versionId) : undefined;
    return contentCredentialsFor(work, encoded, {
      type: 'image/png',
      registration: row,
      ...(version ? { version } : {}),
    });
  }
  return signed(encoded, 'image/png', {
    title: row.title,
    original: {
      bytes: stripRegistration(png),
      format: 'image/png',
      title: row.fileName ?? row.title,
    },
    edits: [],
    training: settings.training,
    registration: row.certificate,
  });
}

/** `encoded` with the training choice as XMP, then the signed manifest over it. */
async function signed(
  encoded: Blob,
  type: ExportFormat,
  claim: Omit<ContentCredentialsInfo, 'studio' | 'appVersion' | 'thumbnail'>,
): Promise<Blob> {
  const thumbnail = await thumbnailOf(encoded);
  // The same choice as XMP (IPTC PLUS data mining) for readers that do not read C2PA; written
  // first, so the manifest's hash covers it.
  const withXmp = addXmp(
    new Uint8Array(await encoded.arrayBuffer()),
    type,
    dataMiningXmp(claim.training),
  );
  return withContentCredentials(new Blob([withXmp as BlobPart], { type }), type, {
    ...claim,
    appVersion: __APP_VERSION__,
    ...(thumbnail ? { thumbnail } : {}),
  });
}
