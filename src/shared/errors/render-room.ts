/** Errors of the Render room (presets, drafts, learning a look, batches). Callers branch on `code`. */
import { BaseError, type BaseErrorOptions } from './base';

export type RenderRoomErrorCode =
  /** A preset name that is empty or too long. */
  | 'invalid-preset-name'
  /** A preset that does not exist (any more). */
  | 'preset-not-found'
  /** Stored data that is not an effect stack. */
  | 'invalid-stack'
  /** A look could not be learned (images of no pixels, nothing to match). */
  | 'look-failed';

export class RenderRoomError extends BaseError<RenderRoomErrorCode> {
  override name = 'RenderRoomError' as const;
  constructor(code: RenderRoomErrorCode, message: string, options?: BaseErrorOptions) {
    super(code, message, options);
  }
}
