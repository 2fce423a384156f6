/** Helpers of the Write room's e2e tests: a seeded work, generation settings, the output's state. */
import type { Page } from 'playwright-core';

/** Adds a 160×90 work (70% deep orange, 30% navy) through the test hook; returns its id. */
export async function seedWork(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const c = new OffscreenCanvas(160, 90);
    const g = c.getContext('2d')!;
    g.fillStyle = '#c8480f';
    g.fillRect(0, 0, 112, 90);
    g.fillStyle = '#1a2660';
    g.fillRect(112, 0, 48, 90);
    const blob = await c.convertToBlob({ type: 'image/png' });
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    const sha = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const hook = (
      globalThis as unknown as { __atelierWrite: { addWork(i: unknown): Promise<{ id: string }> } }
    ).__atelierWrite;
    const work = await hook.addWork({
      title: 'Harbour at Dusk',
      tags: ['harbour'],
      original: blob,
      thumb: blob,
      width: 160,
      height: 90,
      mime: 'image/png',
      sha256: sha,
      thumbSha256: sha,
      palette: ['#c8480f', '#1a2660'],
    });
    return work.id;
  });
}

export async function setParams(page: Page, params: Record<string, unknown>): Promise<void> {
  await page.evaluate((p) => {
    const hook = (
      globalThis as unknown as { __atelierWrite: { write: { setParams(p: unknown): void } } }
    ).__atelierWrite;
    hook.write.setParams(p);
  }, params);
}

/** Counts changes to the output element, to see streaming (many updates, not one). */
export async function watchOutput(page: Page): Promise<void> {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid=write-output]')!;
    const w = globalThis as unknown as { __outputUpdates: number };
    w.__outputUpdates = 0;
    new MutationObserver(() => (w.__outputUpdates += 1)).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
}

export const outputState = (page: Page) =>
  page.getByTestId('write-output').getAttribute('data-state');
