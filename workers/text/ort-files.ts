/**
 * ORT's WASM runtime files, served from our own origin. transformers.js 4.3.1 otherwise points
 * onnxruntime-web at cdn.jsdelivr.net (src/backends/onnx.js), which breaks offline use
 * (huggingface/transformers.js#1339). package.json's `overrides` makes transformers.js use the
 * app's own onnxruntime-web (not the 1.31 dev build it pins), so the text and render workers share
 * one runtime: these are the same files the render worker loads (one 27 MB WASM in the precache,
 * not two). transformers.js loads the asyncify build by default.
 */
import ortMjs from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';

export const ORT_WASM_PATHS = { mjs: ortMjs, wasm: ortWasm };
