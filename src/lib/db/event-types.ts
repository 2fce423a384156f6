/**
 * Insights event types: what each event carries, checked at runtime against one spec per type
 * (the compiler checks the specs list exactly each type's fields), and the table row layout.
 * `track()` and the recorder are in events.ts; the daily rollups in rollups.ts.
 */
import type { AnalyticsEvent } from './schema';
// ---------------------------------------------------------------------------------------------
// Event types

/** What an automatic step was when a person stepped in afterwards. */
export type InterventionSource = 'auto-colour' | 'suggested-look' | 'generated-text' | 'auto-step';
/** How the person stepped in. */
export type InterventionAction = 'param-changed' | 'undo' | 'edited' | 'removed';

export interface WorkImported {
  type: 'work.imported';
  workId: string;
  /** Dominant colours (#rrggbb), most common first: the palette timeline shows them. */
  palette?: string[];
  bytes?: number;
  mime?: string;
}
export interface WorkExported {
  type: 'work.exported';
  workId: string;
  format?: string;
}
export interface WorkDeleted {
  type: 'work.deleted';
  workId: string;
}
interface EffectFields {
  workId?: string;
  effectId: string;
  /** Whether an automatic step (auto colour, a suggested look) did it rather than the person. */
  automatic: boolean;
}
export interface EffectAdded extends EffectFields {
  type: 'effect.added';
  params?: Record<string, unknown>;
}
export interface EffectChanged extends EffectFields {
  type: 'effect.changed';
  params?: Record<string, unknown>;
}
export interface EffectRemoved extends EffectFields {
  type: 'effect.removed';
}
export interface RenderFinished {
  type: 'render.finished';
  workId?: string;
  megapixels: number;
  ms: number;
  backend: string;
  adapter?: string;
}
/**
 * Write room texts. Insights counts "texts written" as `text.generated` (a model's text) plus
 * `text.drafted` (a draft the room wrote without a model), and "texts kept" as `text.kept`.
 */
export interface TextGenerated {
  type: 'text.generated';
  workId?: string;
  model: string;
  /** Where it ran: 'webgpu' | 'wasm' (absent in rows from before it was recorded). */
  backend?: string;
  /** Whether the text passed the quality check (absent in older rows). */
  passed?: boolean;
  /** Which generator: caption, alt text, artist statement, … */
  generator: string;
  tokens: number;
  /** Time to first token. */
  ttftMs: number;
  tokensPerSecond: number;
  /**
   * Older rows only: kept or discarded, recorded at that moment. New rows are written when the
   * text is generated, without it; keeping is its own `text.kept` event.
   */
  kept?: boolean;
}
/** A draft the Write room composed without a model (on request: a task picked, "Another"). */
export interface TextDrafted {
  type: 'text.drafted';
  workId?: string;
  generator: string;
}
/** A text the person kept on a work. */
export interface TextKept {
  type: 'text.kept';
  workId?: string;
  generator: string;
  /** Where the kept text came from. */
  origin: 'draft' | 'model' | 'own';
  /** Whether the person edited it before keeping (a manual intervention too). */
  edited: boolean;
  /** The model that wrote it, when it came from a model. */
  model?: string;
}
export interface RegistrationSigned {
  type: 'registration.signed';
  /** Absent when an outside file (not a work) was registered. */
  workId?: string;
  registrationId?: string;
}
export interface RegistrationAnchored {
  type: 'registration.anchored';
  workId?: string;
  registrationId?: string;
  chainId?: number;
}
export interface SessionStarted {
  type: 'session.started';
}
/** A slice of active time (idle excluded) since the previous slice; these are summed. */
export interface SessionActive {
  type: 'session.active';
  activeMs: number;
}
/** The end of a session, with its whole active time (informational: slices carry the sum). */
export interface SessionEnded {
  type: 'session.ended';
  activeMs: number;
}
/** The paper's manual intervention: the person corrected what an automatic step did. */
export interface Intervention {
  type: 'intervention';
  workId?: string;
  after: InterventionSource;
  action: InterventionAction;
  effectId?: string;
}

export type InsightEvent =
  | WorkImported
  | WorkExported
  | WorkDeleted
  | EffectAdded
  | EffectChanged
  | EffectRemoved
  | RenderFinished
  | TextGenerated
  | TextDrafted
  | TextKept
  | RegistrationSigned
  | RegistrationAnchored
  | SessionStarted
  | SessionActive
  | SessionEnded
  | Intervention;

export type EventType = InsightEvent['type'];
/** What `track` takes: an event, optionally with its time (ms since epoch; default now). */
export type TrackInput = InsightEvent & { at?: number };
/** An event as read back: always with its time (and its row id when stored). */
export type StoredEvent = InsightEvent & { at: number; id?: number };

// ---------------------------------------------------------------------------------------------
// Runtime field specs (the compiler checks they list exactly each type's fields)

/** How one field of an event is checked. */
export type FieldSpec =
  | 'string'
  | 'string?'
  | 'number'
  | 'number?'
  | 'boolean'
  | 'boolean?'
  | 'object?'
  | 'colors?'
  | readonly string[];

type Fields<E> = { [K in Exclude<keyof E, 'type'>]-?: FieldSpec };
type Specs = { [T in EventType]: Fields<Extract<InsightEvent, { type: T }>> };

const EFFECT = { workId: 'string?', effectId: 'string', automatic: 'boolean' } as const;

export const EVENT_SPECS: Specs = {
  'work.imported': { workId: 'string', palette: 'colors?', bytes: 'number?', mime: 'string?' },
  'work.exported': { workId: 'string', format: 'string?' },
  'work.deleted': { workId: 'string' },
  'effect.added': { ...EFFECT, params: 'object?' },
  'effect.changed': { ...EFFECT, params: 'object?' },
  'effect.removed': EFFECT,
  'render.finished': {
    workId: 'string?',
    megapixels: 'number',
    ms: 'number',
    backend: 'string',
    adapter: 'string?',
  },
  'text.generated': {
    workId: 'string?',
    model: 'string',
    generator: 'string',
    tokens: 'number',
    ttftMs: 'number',
    tokensPerSecond: 'number',
    backend: 'string?',
    passed: 'boolean?',
    kept: 'boolean?',
  },
  'text.drafted': { workId: 'string?', generator: 'string' },
  'text.kept': {
    workId: 'string?',
    generator: 'string',
    origin: ['draft', 'model', 'own'],
    edited: 'boolean',
    model: 'string?',
  },
  'registration.signed': { workId: 'string?', registrationId: 'string?' },
  'registration.anchored': { workId: 'string?', registrationId: 'string?', chainId: 'number?' },
  'session.started': {},
  'session.active': { activeMs: 'number' },
  'session.ended': { activeMs: 'number' },
  intervention: {
    workId: 'string?',
    after: ['auto-colour', 'suggested-look', 'generated-text', 'auto-step'],
    action: ['param-changed', 'undo', 'edited', 'removed'],
    effectId: 'string?',
  },
};

export const EVENT_TYPES = Object.keys(EVENT_SPECS) as EventType[];
/** Event types that count as creative activity (for streaks); sessions alone do not. */
export const CREATIVE_TYPES: ReadonlySet<string> = new Set(
  EVENT_TYPES.filter((t) => !t.startsWith('session.')),
);

const COLOR = /^#[0-9a-f]{6}$/i;

/** Whether `value` satisfies `spec` (rollup rows reuse it for their palettes). */
export function fieldOk(spec: FieldSpec, value: unknown): boolean {
  if (typeof spec !== 'string') return typeof value === 'string' && spec.includes(value);
  const optional = spec.endsWith('?');
  if (value === undefined) return optional;
  switch (spec.replace('?', '')) {
    case 'string':
      return typeof value === 'string' && value.length <= 512;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'colors':
      return (
        Array.isArray(value) &&
        value.length <= 32 &&
        value.every((c) => typeof c === 'string' && COLOR.test(c))
      );
    default:
      return false;
  }
}

/** Why an event or row was refused. */
export type RejectReason = 'unknown-type' | 'corrupt';

/**
 * Checks a plain object against its type's spec (unknown extra fields are refused, so a typo is
 * caught). Returns the event with only the known fields, or the reason it was refused.
 */
export function validateEvent(input: unknown): StoredEvent | RejectReason {
  if (typeof input !== 'object' || input === null) return 'corrupt';
  const record = input as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string') return 'corrupt';
  if (!Object.hasOwn(EVENT_SPECS, type)) return 'unknown-type';
  const at = record.at;
  if (typeof at !== 'number' || !Number.isFinite(at) || at <= 0) return 'corrupt';
  const spec = EVENT_SPECS[type as EventType] as Record<string, FieldSpec>;
  const out: Record<string, unknown> = { type, at };
  for (const name of Object.keys(record)) {
    if (name === 'type' || name === 'at' || name === 'id') continue;
    if (!Object.hasOwn(spec, name)) return 'corrupt';
  }
  for (const [name, fieldSpec] of Object.entries(spec)) {
    const value = record[name];
    if (!fieldOk(fieldSpec, value)) return 'corrupt';
    if (value !== undefined) out[name] = value;
  }
  if (typeof record.id === 'number') out.id = record.id;
  return out as unknown as StoredEvent;
}

/** Event → table row: `workId` is an indexed column, the other fields live in `data`. */
export function toRow(event: StoredEvent): AnalyticsEvent {
  const { type, at, id: _id, ...rest } = event as StoredEvent & Record<string, unknown>;
  const { workId, ...data } = rest as { workId?: string } & Record<string, unknown>;
  const row: AnalyticsEvent = { type, at };
  if (typeof workId === 'string') row.workId = workId;
  if (Object.keys(data).length) row.data = data;
  return row;
}

/** Table row → event, or why it was skipped (corrupt, or a newer version's type). */
export function parseEventRow(row: unknown): StoredEvent | RejectReason {
  if (typeof row !== 'object' || row === null) return 'corrupt';
  const r = row as Partial<AnalyticsEvent>;
  const data = r.data;
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data)))
    return 'corrupt';
  const flat: Record<string, unknown> = { ...(data ?? {}), type: r.type, at: r.at };
  if (r.workId !== undefined) flat.workId = r.workId;
  if (r.id !== undefined) flat.id = r.id;
  return validateEvent(flat);
}
