/**
 * Pixels in shared memory: an image the studio renders again and again (the Render room's
 * preview source) is copied once into a SharedArrayBuffer, so each render hands it to the render
 * worker and its CPU lanes without a copy (a 1 MP copy costs ~2.5 ms on a slow laptop; a preview
 * render makes three). Needs cross-origin isolation (the studio has it for WASM threads);
 * elsewhere the image is returned as it is and renders copy it. Shared pixels are for rendering
 * only: ImageData and canvases refuse them, so painting keeps the original.
 */

interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Whether `data` lives in shared memory (posting it shares it; it cannot be transferred). */
export function isShared(data: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === 'function' && data.buffer instanceof SharedArrayBuffer;
}

/**
 * Whether `data` is the whole of an unshared, undetached ArrayBuffer: a buffer that may be
 * transferred and written into again (not a view of part of one, nor shared memory).
 */
export function isWholeBuffer(data: ArrayBufferView): boolean {
  return (
    data.buffer instanceof ArrayBuffer &&
    data.byteLength > 0 &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength
  );
}

/** A copy of `image` in shared memory, or `image` itself where shared memory is unavailable. */
export function sharedPixels<T extends Pixels>(image: T): T {
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') return image;
  if (isShared(image.data)) return image;
  const buffer = new SharedArrayBuffer(image.data.byteLength);
  const data =
    image.data instanceof Uint8ClampedArray
      ? new Uint8ClampedArray(buffer)
      : new Uint8Array(buffer);
  data.set(image.data);
  return { ...image, data };
}
