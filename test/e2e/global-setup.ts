/**
 * E2E global setup: one production build, served by vite preview on 127.0.0.1 for every test file.
 * E2E_SKIP_BUILD=1 reuses the build; E2E_OUTDIR picks its folder (default dist); E2E_PORT the port
 * (default 4791; Vite's 4173 is often taken).
 */
import type { TestProject } from 'vitest/node';
import { buildStudio, startPreview } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}

export default async function setup(project: TestProject) {
  const outDir = process.env.E2E_OUTDIR ?? 'dist';
  if (process.env.E2E_SKIP_BUILD !== '1') buildStudio({ outDir });
  const preview = await startPreview({ outDir, port: Number(process.env.E2E_PORT ?? 4791) });
  project.provide('baseURL', preview.url);
  return async () => {
    const early = preview.exitedEarly();
    await preview.stop();
    if (early) throw new Error(`The preview server died during the e2e run: ${early}`);
  };
}
