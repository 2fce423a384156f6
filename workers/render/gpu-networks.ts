/**
 * The GPU render path's networks: ORT sessions on the renderer's own GPUDevice (WebGPU EP,
 * outputs left in GPU buffers), cached per model, and their runs on planar floats already on
 * the GPU (`Tensor.fromGpuBuffer`, no copy), with a count of runs and of undisposed outputs.
 */
import type * as Ort from 'onnxruntime-web';
import { RenderError } from '../../src/shared/errors/render';
import type { GpuContext } from './gpu-context';

/** The ORT module, as the worker loads it. */
export type OrtModule = typeof Ort;

/** How a renderer gets ORT and a model's bytes (absent: no neural effects on the GPU). */
export interface NeuralLoaders {
  ort: () => Promise<OrtModule>;
  loadModel: (id: string) => Promise<Uint8Array>;
}

/** A network's output on the GPU; `dispose` it once the queue no longer reads it. */
export interface NetworkOutput {
  buffer: GPUBuffer;
  dispose: () => void;
}

/** A renderer's ORT WebGPU sessions and what their runs left alive. */
export class GpuNetworks {
  readonly #ctx: GpuContext;
  readonly #ort: (() => Promise<OrtModule>) | undefined;
  readonly #loadModel: ((id: string) => Promise<Uint8Array>) | undefined;
  #sessions = new Map<string, Promise<Ort.InferenceSession>>();
  /** Network runs (sessions run). */
  runs = 0;
  /** ORT output tensors not yet disposed. */
  liveTensors = 0;

  constructor(ctx: GpuContext, neural: NeuralLoaders | undefined) {
    this.#ctx = ctx;
    this.#ort = neural?.ort;
    this.#loadModel = neural?.loadModel;
  }

  /** The ORT module (only after `session` succeeded, which needs it). */
  ort(): Promise<OrtModule> {
    return this.#ort!();
  }

  /** The cached session of `modelId` on this device. @throws RenderError `gpu-failed` */
  async session(modelId: string): Promise<Ort.InferenceSession> {
    let s = this.#sessions.get(modelId);
    if (!s) {
      const ortLoader = this.#ort;
      const loadModel = this.#loadModel;
      if (!ortLoader || !loadModel) {
        throw new RenderError('gpu-failed', 'Neural effects need ORT on this GPU path.');
      }
      s = (async () => {
        const ort = await ortLoader();
        const bytes = await loadModel(modelId);
        try {
          return await ort.InferenceSession.create(bytes, {
            executionProviders: [
              {
                name: 'webgpu',
                device: this.#ctx.device,
              } as Ort.InferenceSession.ExecutionProviderConfig,
            ],
            preferredOutputLocation: 'gpu-buffer',
          });
        } catch (cause) {
          throw new RenderError(
            'gpu-failed',
            `The neural effect could not start on the GPU: ${String(cause)}`,
            {
              cause,
            },
          );
        }
      })();
      this.#sessions.set(modelId, s);
      s.catch(() => this.#sessions.delete(modelId));
    }
    return s;
  }

  /**
   * Runs `session` on the planar [1,3,h,w] floats in `planar` (no copy) and, for a denoiser with
   * a σ input, `sigma`; its output kept on the GPU; `dispose` the result once the queue no longer reads it.
   * @throws RenderError `gpu-device-lost`, `gpu-failed`
   */
  async run(
    session: Ort.InferenceSession,
    ort: OrtModule,
    planar: GPUBuffer,
    w: number,
    h: number,
    name: string,
    sigma?: { input: string; value: number },
  ): Promise<NetworkOutput> {
    const input = ort.Tensor.fromGpuBuffer(planar, { dataType: 'float32', dims: [1, 3, h, w] });
    const imageName = session.inputNames.find((n) => n !== sigma?.input) ?? session.inputNames[0]!;
    const feeds: Record<string, Ort.Tensor> = { [imageName]: input };
    // A denoiser's σ: one float from the CPU, the same for every tile of the image.
    if (sigma) {
      feeds[sigma.input] = new ort.Tensor('float32', new Float32Array([sigma.value]), [1, 1, 1, 1]);
    }
    let result: Ort.InferenceSession.OnnxValueMapType;
    try {
      this.runs++;
      result = await session.run(feeds);
    } catch (cause) {
      this.#ctx.check();
      throw new RenderError('gpu-failed', `${name} failed on the GPU: ${String(cause)}`, {
        cause,
      });
    }
    const outputs = Object.values(result);
    this.liveTensors += outputs.length;
    let disposed = false;
    const dispose = () => {
      if (disposed) return;
      disposed = true;
      for (const t of outputs) t.dispose();
      this.liveTensors -= outputs.length;
    };
    const out = result[session.outputNames[0]!];
    if (out?.location !== 'gpu-buffer') {
      dispose();
      this.#ctx.check();
      throw new RenderError('gpu-failed', `${name} did not leave its output on the GPU.`, {
        details: { location: out?.location },
      });
    }
    return { buffer: out.gpuBuffer as GPUBuffer, dispose };
  }

  /** Releases every session (a failed one is skipped). */
  async dispose(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}
