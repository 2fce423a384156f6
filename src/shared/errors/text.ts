/** Errors of the Write room: text models (load, import, download) and generation. */
import { BaseError, type BaseErrorOptions } from './base';

export type TextErrorCode =
  /** No text model is bundled, imported or downloaded yet. */
  | 'no-model'
  /** A model folder lacks a required file (config, tokenizer, ONNX). */
  | 'model-invalid'
  /** The files are there but the runtime could not load them (corrupt ONNX, bad JSON). */
  | 'model-load-failed'
  /** The tokenizer does not fit the model (vocabulary larger than the model's). */
  | 'tokenizer-mismatch'
  /** The chosen backend could not start the model (retry on WASM in a fresh worker). */
  | 'backend-failed'
  /** A generation was asked for while another runs, or before a model is ready. */
  | 'busy'
  | 'not-ready'
  | 'generation-failed'
  /** Downloads: only on request, online, with room, and byte-exact. */
  | 'download-offline'
  | 'download-not-allowed'
  | 'download-quota'
  | 'download-integrity'
  | 'download-failed';

export class TextError extends BaseError<TextErrorCode> {
  override name = 'TextError' as const;
  constructor(code: TextErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}
