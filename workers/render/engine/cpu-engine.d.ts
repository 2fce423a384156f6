/** The CPU engine's WebAssembly bytes, built from wasm/cpu-engine by the Vite plugin. */
declare module 'virtual:cpu-engine' {
  const bytes: Uint8Array;
  export default bytes;
}
