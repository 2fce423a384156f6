/**
 * What Atelier writes into Content Credentials (C2PA), as a pure description: the actions of an
 * export (opened, colour and filter adjustments, crop, resize; neural effects carry the IPTC
 * digital source type for edits by a trained algorithm), the artist's AI training and data
 * mining choice as the CAWG training-and-data-mining assertion, and, for a registered work, the
 * wallet-signed EIP-712 registration as a JSON assertion any EIP-712 library can check.
 */
import type { CertificateJson } from '../registration/certificate';

export type ExportFormat = 'image/png' | 'image/jpeg' | 'image/webp';

/** One step of the work's history, in the artist's words (`name`) and C2PA's (`kind`). */
export interface EditStep {
  kind: 'color' | 'filter' | 'crop' | 'orientation' | 'resize' | 'neural' | 'neural-resize';
  name: string;
}

/** The artist's choice on AI training and data mining (CAWG vocabulary). */
export type TrainingChoice = 'notAllowed' | 'allowed' | 'constrained';

/** Every training choice, the default (not allowed) first. */
export const TRAINING_CHOICES: readonly TrainingChoice[] = ['notAllowed', 'constrained', 'allowed'];

/** Each choice in the artist's words. */
export const TRAINING_WORDS: Record<TrainingChoice, string> = {
  notAllowed: 'Not allowed',
  constrained: 'Allowed with conditions',
  allowed: 'Allowed',
};

export function isTrainingChoice(value: unknown): value is TrainingChoice {
  return typeof value === 'string' && (TRAINING_CHOICES as readonly string[]).includes(value);
}

export interface ContentCredentialsInfo {
  title: string;
  /** The studio's name (claim generator and the signing certificate's name). */
  studio: string;
  appVersion: string;
  /** The imported original, kept as the parent ingredient (c2pa-rs hashes it). */
  original?: { bytes: Uint8Array; format: string; title: string };
  edits: readonly EditStep[];
  training: TrainingChoice;
  /** A small picture of the export (JPEG or PNG). */
  thumbnail?: { bytes: Uint8Array; format: string };
  /** The work's wallet registration, when it has one. */
  registration?: CertificateJson;
}

export const REGISTRATION_LABEL = 'org.atelier.registration';
export const TRAINING_LABEL = 'cawg.training-mining';
/** IPTC digital source type for content a trained model edited (composited with the original). */
export const TRAINED_EDIT =
  'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';
export const ORIGINAL_INGREDIENT = 'original';

const ACTION_OF: Record<EditStep['kind'], string> = {
  color: 'c2pa.color_adjustments',
  filter: 'c2pa.filtered',
  crop: 'c2pa.cropped',
  orientation: 'c2pa.orientation',
  resize: 'c2pa.resized',
  neural: 'c2pa.filtered',
  'neural-resize': 'c2pa.resized',
};

export interface C2paAction {
  action: string;
  softwareAgent?: { name: string; version?: string };
  digitalSourceType?: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/** The actions, first the opening of the original (or creation when there is none). */
export function actionsOf(info: ContentCredentialsInfo): C2paAction[] {
  const agent = { name: info.studio, version: info.appVersion };
  const first: C2paAction = info.original
    ? {
        action: 'c2pa.opened',
        softwareAgent: agent,
        parameters: { ingredientIds: [ORIGINAL_INGREDIENT] },
      }
    : {
        action: 'c2pa.created',
        softwareAgent: agent,
        digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation',
      };
  return [
    first,
    ...info.edits.map((edit): C2paAction => ({
      action: ACTION_OF[edit.kind],
      softwareAgent: agent,
      description: edit.name,
      ...(edit.kind === 'neural' || edit.kind === 'neural-resize'
        ? { digitalSourceType: TRAINED_EDIT }
        : {}),
    })),
  ];
}

/** The CAWG training-and-data-mining assertion: one choice for every kind of use. */
export function trainingAssertion(choice: TrainingChoice): {
  entries: Record<string, { use: TrainingChoice }>;
} {
  const use = { use: choice };
  return {
    entries: {
      'cawg.ai_inference': use,
      'cawg.ai_generative_training': use,
      'cawg.ai_training': use,
      'cawg.data_mining': use,
    },
  };
}

/** The manifest definition c2pa-rs builds from (assertions beside the actions). */
export function manifestDefinition(info: ContentCredentialsInfo, format: ExportFormat) {
  return {
    claim_generator_info: [{ name: info.studio, version: info.appVersion }],
    title: info.title,
    format,
    assertions: [
      { label: TRAINING_LABEL, data: trainingAssertion(info.training) },
      ...(info.registration ? [{ label: REGISTRATION_LABEL, data: info.registration }] : []),
    ],
  };
}
