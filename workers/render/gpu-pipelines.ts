/**
 * The GPU render path's compute pipelines: built from generated WGSL and cached by their code
 * (so parameter changes only rewrite the uniforms), the pipelines a plan of steps needs, and
 * the recording of one compute pass.
 */
import {
  TO_PLANAR,
  areaShader,
  fromPlanarShader,
  pointShader,
  type GpuStep,
} from '../../src/shared/effects/wgsl';
import { RenderError } from '../../src/shared/errors/render';

/** A device's compute pipelines, cached by WGSL code (a failed build is not kept). */
export class GpuPipelines {
  readonly #device: GPUDevice;
  #pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** The pipeline for `code` (entry point `main`). @throws RenderError `gpu-failed` */
  async get(code: string): Promise<GPUComputePipeline> {
    let p = this.#pipelines.get(code);
    if (!p) {
      const device = this.#device;
      p = (async () => {
        device.pushErrorScope('validation');
        const module = device.createShaderModule({ code });
        let pipeline: GPUComputePipeline | undefined;
        let failure: unknown;
        try {
          pipeline = await device.createComputePipelineAsync({
            layout: 'auto',
            compute: { module, entryPoint: 'main' },
          });
        } catch (e) {
          failure = e;
        }
        const error = await device.popErrorScope();
        if (error || !pipeline) {
          const info = await module.getCompilationInfo();
          const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
          throw new RenderError(
            'gpu-failed',
            `A render shader failed to build: ${error?.message ?? String(failure)}`,
            { details: { messages } },
          );
        }
        return pipeline;
      })();
      this.#pipelines.set(code, p);
      p.catch(() => this.#pipelines.delete(code));
    }
    return p;
  }

  /**
   * The pipelines of each step: a point run's fused shader, an area effect's passes, a
   * network's planar conversions (to, then from). @throws RenderError `gpu-failed`
   */
  async build(steps: GpuStep[]): Promise<GPUComputePipeline[][]> {
    const last = steps.length - 1;
    return Promise.all(
      steps.map((step, i) => {
        if (step.kind === 'point') {
          return Promise.all([this.get(pointShader(step.entries, i === 0, i === last))]);
        }
        if (step.kind === 'area') {
          const def = step.entry.def;
          if (def.kind !== 'area') throw new Error('unreachable');
          return Promise.all(
            def.passes.map((pass) =>
              this.get(areaShader(pass, step.base, step.entry.uniforms.length)),
            ),
          );
        }
        return Promise.all([this.get(TO_PLANAR), this.get(fromPlanarShader(step.base))]);
      }),
    );
  }

  /** Forgets every cached pipeline. */
  clear(): void {
    this.#pipelines.clear();
  }
}

/** Records one compute pass of `pipeline` over w×h pixels (8×8 workgroups). */
export function dispatch(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  bindings: Record<number, GPUBuffer>,
  w: number,
  h: number,
): void {
  const entries = Object.entries(bindings).map(([binding, buffer]) => ({
    binding: Number(binding),
    resource: { buffer },
  }));
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(Math.ceil(w / 8), Math.ceil(h / 8));
  pass.end();
}
