/// <reference types="vitest/config" />
/**
 * Build, dev server and test configuration.
 *
 * - COOP/COEP on dev and preview so the page is cross-origin isolated and ORT's WASM gets threads.
 * - `models/` (minus the training code) is served at /models/ in dev and copied into the build,
 *   so workers fetch models from our own origin by the paths in models/manifest.json.
 * - The CPU engine (wasm/cpu-engine, AssemblyScript) is compiled from source at every build, dev
 *   server and test start (`cpuEngine()`), and imported as `virtual:cpu-engine`.
 * - The service worker is our own (`src/sw.ts`, injectManifest): only a custom worker can re-add
 *   the isolation headers to responses it serves offline.
 */
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_HEADER } from './src/shared/pwa.ts';
import { cpuEngine } from './wasm/cpu-engine/build.ts';

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
// The production build is held to the strict CSP (also as a meta tag, for static hosts that send
// no headers); the dev server is not, since Vite's HMR client needs more.
const PREVIEW_HEADERS = {
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER,
};

function cspMetaTag(): Plugin {
  return {
    name: 'atelier-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}
/**
 * More downloadable models for a build of one's own (`ATELIER_EXTRA_CATALOGUE=file.json`, a JSON
 * list of entries shaped like src/shared/write/catalogue.json's, pinned the same way; an
 * organisation's own list, or the e2e test's pinned fixture). None by default.
 */
function extraCatalogue(): string {
  const file = process.env.ATELIER_EXTRA_CATALOGUE;
  if (!file) return '[]';
  const entries: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(entries))
    throw new Error(`${file}: expected a JSON list of catalogue entries`);
  return JSON.stringify(entries);
}

const MODELS_DIR = join(import.meta.dirname, 'models');
const MODEL_FILE = /\.(onnx|json|txt|bin|data)$/;

/** Files under models/ the app serves: everything but the training pipeline and tests. */
function modelFiles(dir = MODELS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'train' ? [] : modelFiles(full);
    return MODEL_FILE.test(name) && !name.endsWith('.test.ts') ? [full] : [];
  });
}

function atelierModels(): Plugin {
  const toUrlPath = (file: string) => relative(MODELS_DIR, file).split(sep).join('/');
  return {
    name: 'atelier-models',
    configureServer(server) {
      server.middlewares.use('/models/', (req, res, next) => {
        const wanted = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\//, ''));
        const file = modelFiles().find((f) => toUrlPath(f) === wanted);
        if (!file) return next();
        res.setHeader(
          'Content-Type',
          file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        );
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const file of modelFiles()) {
        this.emitFile({
          type: 'asset',
          fileName: `models/${toUrlPath(file)}`,
          source: readFileSync(file),
        });
      }
    },
  };
}

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify(process.env.APP_VERSION ?? '0.1.0'),
    __ATELIER_EXTRA_CATALOGUE__: extraCatalogue(),
  },
  plugins: [
    svelte(),
    cpuEngine(),
    atelierModels(),
    cspMetaTag(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: {
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,wasm,onnx,json,webmanifest,woff2}'],
        // ORT's WASM runtime (~27 MB) and the bundled models must be precached for offline use.
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
      },
    }),
  ],
  // Worker bundles get their own plugins: the render worker and its lanes import the engine.
  worker: { format: 'es', plugins: () => [cpuEngine()] },
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: PREVIEW_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'workers/**/*.test.ts',
            'models/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'bench',
          include: ['test/bench/**/*.bench.ts'],
          environment: 'node',
          globalSetup: ['test/bench/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
