/**
 * ORT's WASM runtime files, served from our own origin. transformers.js 4.3.1 otherwise points
 * onnxruntime-web at cdn.jsdelivr.net (src/backends/onnx.js), which breaks offline use
 * (huggingface/transformers.js#1339). It imports its OWN onnxruntime-web (1.31 dev, nested under
 * its package), not the app's 1.30, so the files must come from that copy; it loads the asyncify
 * build by default.
 */
import ortMjs from '../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasm from '../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';

export const ORT_WASM_PATHS = { mjs: ortMjs, wasm: ortWasm };
