/**
 * The state a `GpuRenderer` shares with its helpers (tile steps, networks): the device and
 * whether it was lost, the GPU buffers it made and has not destroyed, and how many images
 * crossed between CPU and GPU memory. Internal to the GPU render path.
 */
import { RenderError } from '../../src/shared/errors/render';

/** A renderer's device, its loss, its tracked buffers and its transfer counts. */
export class GpuContext {
  readonly device: GPUDevice;
  /** Buffers made by `make` and not yet `free`d. */
  readonly live = new Set<GPUBuffer>();
  /** Image uploads (`writeBuffer` of pixels). */
  uploads = 0;
  /** Image readbacks (`mapAsync`). */
  readbacks = 0;
  #lost: string | undefined;

  constructor(device: GPUDevice) {
    this.device = device;
    void device.lost.then((info) => {
      this.#lost = info.message || info.reason || 'lost';
    });
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /** @throws RenderError `gpu-device-lost` once the device is lost. */
  check(): void {
    if (this.#lost !== undefined) {
      throw new RenderError('gpu-device-lost', `The GPU device was lost (${this.#lost}).`, {
        details: { reason: this.#lost },
      });
    }
  }

  /** A buffer tracked until `free`. */
  make(size: number, usage: number): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(16, size), usage });
    this.live.add(buffer);
    return buffer;
  }

  /** Destroys a buffer made by `make` (others are left alone). */
  free(buffer: GPUBuffer): void {
    if (this.live.delete(buffer)) buffer.destroy();
  }
}
