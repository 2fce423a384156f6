/**
 * Issue #20, defect 10: what reaches a person is plain words; a runtime's own text (ONNX Runtime's,
 * with build paths) travels as `details.raw` and is shown only behind "Details".
 */
import { describe, expect, it, vi } from 'vitest';
import { TextError } from '../../shared/errors/text';
import { toasts } from '../state/toasts.svelte';
import { errorDetails, handleError } from './handle-error';

const RAW =
  'Load model from /onnxruntime/onnxruntime/core/graph/model.cc:180 failed: Protobuf parsing failed.';

describe('handleError and details (issue #20, defect 10)', () => {
  it("shows the message, and the raw text only as the toast's details", () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const error = new TextError(
      'model-load-failed',
      'This file is not a model Atelier can run: its ONNX graph could not be read.',
      { details: { raw: RAW } },
    );
    const shown = handleError(error, 'Importing garbage');
    expect(shown).toBe(
      'Importing garbage: This file is not a model Atelier can run: its ONNX graph could not be read.',
    );
    expect(shown).not.toContain('model.cc');
    const toast = toasts.items.at(-1)!;
    expect(toast.message).toBe(shown);
    expect(toast.details).toBe(RAW);
  });

  it('has no details for an error without raw text', () => {
    expect(errorDetails(new TextError('busy', 'Another text is being generated.'))).toBeUndefined();
    expect(errorDetails(new Error('x'))).toBeUndefined();
  });
});
