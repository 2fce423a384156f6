/**
 * Runs Auto colour (models/autocolor, kind `image-to-gains`) on ORT's WASM backend: the 8×8
 * input is tiny, so the CPU answers in milliseconds whatever the render backend is. The model is
 * fetched from our own origin and checked against the manifest like every neural effect.
 */
import type { InferenceSession } from 'onnxruntime-web';
import {
  AUTOCOLOR_FEATURES,
  AUTOCOLOR_KIND,
  AUTOCOLOR_SIZE,
  autocolorInput,
} from '../../src/shared/autocolor';
import { neuralEffect } from '../../src/shared/effects/registry';
import { RenderError } from '../../src/shared/errors/render';
import type { OrtModule } from './cpu';
import type { RgbaImage } from './image';
import { fetchModel, type ManifestModel } from './manifest';

interface Loaded {
  session: InferenceSession;
  input: string;
  output: string;
}

export class AutoColor {
  #ort: () => Promise<OrtModule>;
  #loaded: Promise<Loaded> | undefined;

  constructor(ort: () => Promise<OrtModule>) {
    this.#ort = ort;
  }

  /**
   * Predicts the per-channel linear gains that remove `image`'s colour cast.
   * @throws RenderError `model-unavailable` when the manifest has no usable model, `cpu-failed`.
   */
  async gains(image: RgbaImage, manifest: unknown): Promise<[number, number, number]> {
    const { session, input, output } = await (this.#loaded ??= this.#load(manifest).catch((e) => {
      this.#loaded = undefined;
      throw e;
    }));
    const ort = await this.#ort();
    const n = AUTOCOLOR_SIZE;
    const tensor = new ort.Tensor(
      'float32',
      autocolorInput(image.data, image.width, image.height),
      [1, 3, n, n],
    );
    try {
      const result = await session.run({ [input]: tensor });
      const data = result[output]!.data as Float32Array;
      return [data[0]!, data[1]!, data[2]!];
    } catch (cause) {
      throw new RenderError('cpu-failed', `Auto colour failed: ${String(cause)}`, { cause });
    }
  }

  async #load(manifest: unknown): Promise<Loaded> {
    const models = (manifest as { models?: ManifestModel[] } | null)?.models ?? [];
    const model = models.find((m) => m?.kind === AUTOCOLOR_KIND);
    const file = model?.files?.find((f) => f.path.endsWith('.onnx'));
    if (!model || !file) {
      throw new RenderError('model-unavailable', 'Auto colour is not installed in this build.', {
        details: { modelId: 'autocolor' },
      });
    }
    if (model.inputs?.[0]?.features !== AUTOCOLOR_FEATURES) {
      // An older model reads another input: feeding it these features would give a wrong answer.
      throw new RenderError('model-unavailable', 'This build’s Auto colour model is out of date.', {
        details: { modelId: model.id, features: model.inputs?.[0]?.features ?? 'none' },
      });
    }
    const bytes = await fetchModel({
      def: neuralEffect(model.id, model.name ?? model.id, 0),
      url: `/models/${file.path}`,
      file,
    });
    const ort = await this.#ort();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    return { session, input: session.inputNames[0]!, output: session.outputNames[0]! };
  }
}
