/**
 * E2E global setup: one production build, served by vite preview on 127.0.0.1 for every test file.
 * E2E_SKIP_BUILD=1 reuses dist/; E2E_PORT picks the port (default 4791; 4173 is often taken).
 */
import type { TestProject } from 'vitest/node';
import { buildStudio, startPreview } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.E2E_SKIP_BUILD !== '1') buildStudio();
  const preview = await startPreview({ port: Number(process.env.E2E_PORT ?? 4791) });
  project.provide('baseURL', preview.url);
  return async () => {
    const early = preview.exitedEarly();
    await preview.stop();
    if (early) throw new Error(`The preview server died during the e2e run: ${early}`);
  };
}
