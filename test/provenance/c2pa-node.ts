/**
 * The CAI's c2pa-wasm (c2pa-rs compiled to WebAssembly) loaded in Node for tests. Reading works
 * as-is (`WasmReader.fromBytes`); the builder reads its source through `FileReaderSync`, which
 * only browser workers have, so tests hand it a Blob whose bytes a small stand-in reads back
 * synchronously. Test-only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as c2pa from '@contentauth/c2pa-wasm';

let ready = false;
const bytesOf = new WeakMap<Blob, Uint8Array>();

/** A Blob whose bytes (and every slice's) the FileReaderSync stand-in can read synchronously. */
export class SyncBlob extends Blob {
  constructor(bytes: Uint8Array) {
    super([bytes as Uint8Array<ArrayBuffer>]);
    bytesOf.set(this, bytes);
  }
  override slice(start = 0, end = this.size): Blob {
    return new SyncBlob(bytesOf.get(this)!.slice(start, end));
  }
}

/** Loads the wasm once and installs the FileReaderSync stand-in. */
export function loadC2pa(): typeof c2pa {
  if (!ready) {
    const path = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
    c2pa.initSync({ module: readFileSync(path) });
    (globalThis as { FileReaderSync?: unknown }).FileReaderSync ??= class {
      readAsArrayBuffer(blob: Blob): ArrayBuffer {
        const u = bytesOf.get(blob);
        if (!u) throw new Error('Not a SyncBlob');
        return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
      }
    };
    ready = true;
  }
  return c2pa;
}
