/**
 * A registration row as it is kept (Dexie) and carried in backups, and the one check that lets a
 * row in from outside (issue #20, defect 2). A row read from a backup is trusted no more than a
 * dropped certificate: its shape is checked by the schema, its certificate is verified offline
 * (signature recovered, signer = author), and the fields the studio looks rows up by (content
 * hash, perceptual hash, author, chain, title, licence) are taken from the verified certificate,
 * never from the row. Anchor claims (sent, confirmed, failed) are about the chain and cannot be
 * checked offline, so they are dropped: anchoring again asks the chain first.
 *
 * The schema is loose (unknown fields are kept), so new optional fields need no change here.
 */
import * as v from 'valibot';
import { verifyCertificate, type CertificateJson } from './certificate';

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid id'));
const Time = v.pipe(v.number(), v.finite(), v.minValue(0));

export const StoredRegistrationSchema = v.looseObject({
  id: Id,
  // '' for a registration of a file dropped on the Register room.
  workId: v.union([Id, v.literal('')]),
  versionId: v.optional(Id),
  contentHash: v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{64}$/, 'is not a content hash')),
  perceptualHash: v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{16}$/, 'is not a perceptual hash')),
  author: v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{40}$/, 'is not an address')),
  chainId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  createdAt: Time,
  certificate: v.unknown(),
  title: v.optional(v.pipe(v.string(), v.maxLength(200))),
  licenseId: v.optional(v.pipe(v.string(), v.maxLength(64))),
  fileName: v.optional(v.pipe(v.string(), v.maxLength(255))),
  /** In a backup: the blob holding the registered PNG. */
  pngBlobId: v.optional(Id),
  anchor: v.optional(
    v.looseObject({ status: v.picklist(['queued', 'sent', 'confirmed', 'failed']) }),
  ),
});

export type StoredRegistration = v.InferOutput<typeof StoredRegistrationSchema> & {
  certificate: CertificateJson;
  title: string;
  licenseId: string;
};

export type RegistrationCheck =
  { ok: true; row: StoredRegistration } | { ok: false; id?: string; reason: string };

function issueText(issues: v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? 'the row';
  return `${path} ${issue.message}`;
}

/**
 * Checks a registration row from outside (a backup) as live data is checked, and returns the row
 * rebuilt from its verified certificate. Never throws.
 */
export async function checkStoredRegistration(raw: unknown): Promise<RegistrationCheck> {
  const parsed = v.safeParse(StoredRegistrationSchema, raw);
  const id =
    typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : '';
  if (!parsed.success) {
    return {
      ok: false,
      ...(id ? { id } : {}),
      reason: `it is malformed (${issueText(parsed.issues)})`,
    };
  }
  const row = parsed.output;
  const verification = await verifyCertificate(row.certificate);
  if (!verification.valid || !verification.typed) {
    return {
      ok: false,
      id: row.id,
      reason: `its certificate does not verify: ${verification.message}`,
    };
  }
  const m = verification.typed.message;
  const { anchor, ...rest } = row;
  return {
    ok: true,
    row: {
      ...rest,
      contentHash: m.contentHash,
      perceptualHash: m.perceptualHash,
      author: m.author,
      chainId: verification.typed.domain.chainId,
      title: m.title,
      licenseId: m.licenseId,
      certificate: row.certificate as CertificateJson,
      ...(anchor?.status === 'queued' ? { anchor: { status: 'queued' as const } } : {}),
    },
  };
}
