/**
 * Real Chromium for e2e tests and benchmarks, driven by playwright-core (never downloads a browser).
 * Every scenario runs in two modes: `webgpu` (--enable-unsafe-webgpu: SwiftShader's adapter) and
 * `wasm` (no adapter: the CPU fallback). A session records page errors, unhandled rejections,
 * CSP violations and requests to other origins, and `assertClean` fails on any of them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Mode {
  name: 'webgpu' | 'wasm';
  webgpu: boolean;
}
export const MODES: Mode[] = [
  { name: 'webgpu', webgpu: true },
  { name: 'wasm', webgpu: false },
];
/**
 * For scenarios the adapter changes nothing in (import, Register, the share target, the hostile
 * inputs): they run once, on the WASM path (no adapter), since every mode costs a whole run of the
 * scenario. The Render and Write rooms, the shell, the PWA, Insights and the Library's organising,
 * versions, restore and export presets run in both modes.
 */
export const WASM_ONLY: Mode[] = MODES.filter((m) => !m.webgpu);

/** @throws Error saying how to install Chromium when none is found. */
export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) {
    throw new Error(
      'Chromium not found. Install it with `apt-get install -y chromium` (Debian) or set ' +
        'CHROMIUM_PATH to a Chromium/Chrome binary. Atelier never downloads a browser.',
    );
  }
  return found;
}

export interface StudioSession {
  context: BrowserContext;
  page: Page;
  baseURL: string;
  profileDir: string;
  /** Page errors, unhandled rejections and console errors that mean a bug. */
  errors: string[];
  /** Requests to any origin but the app's own. */
  foreignRequests: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  baseURL: string;
  mode: Mode;
  path?: string;
  /** Reuse a profile (service worker, IndexedDB) across launches. */
  profileDir?: string;
  viewport?: { width: number; height: number };
  /** A touch screen (tablet scenarios): touch events and `pointer: coarse`. */
  hasTouch?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
}

const INIT_SCRIPT = `
  (() => {
    try { localStorage.setItem('atelier.testHooks', '1'); } catch {}
    const sink = (globalThis.__atelierE2E = { rejections: [], csp: [] });
    addEventListener('unhandledrejection', (e) => sink.rejections.push(String(e.reason && (e.reason.stack || e.reason.message) || e.reason)));
    addEventListener('securitypolicyviolation', (e) => sink.csp.push(e.violatedDirective + ' ' + e.blockedURI));
  })();
`;

/** Launches Chromium with a persistent profile and opens the studio. */
export async function openStudio(options: OpenOptions): Promise<StudioSession> {
  const profileDir = options.profileDir ?? mkdtempSync(join(tmpdir(), 'atelier-e2e-'));
  const ownsProfile = !options.profileDir;
  const args = [...BASE_FLAGS, ...(options.mode.webgpu ? ['--enable-unsafe-webgpu'] : [])];
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: findChromium(),
    headless: true,
    args: [...args, ...(options.args ?? [])],
    viewport: options.viewport ?? { width: 1280, height: 800 },
    ...(options.hasTouch ? { hasTouch: true } : {}),
  });
  const origin = new URL(options.baseURL).origin;
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  context.on('request', (req) => {
    const url = req.url();
    if (/^(data|blob|chrome-extension|about):/.test(url)) return;
    if (new URL(url).origin !== origin) foreignRequests.push(url);
  });
  context.on('weberror', (e) => errors.push(`weberror: ${e.error().message}`));
  await context.addInitScript(INIT_SCRIPT);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // CSP violations in workers do not reach the page's event; Chromium logs them to the console.
  const watchConsole = (where: string) => (msg: ConsoleMessage) => {
    if (
      /Content.Security.Policy|Refused to (load|connect|execute|create|apply)/i.test(msg.text())
    ) {
      errors.push(`CSP (${where}): ${msg.text()}`);
    }
  };
  page.on('console', watchConsole('page'));
  page.on('worker', (worker) => worker.on('console', watchConsole(worker.url())));
  await page.goto(`${options.baseURL}${options.path ?? '/'}`);
  return {
    context,
    page,
    baseURL: options.baseURL,
    profileDir,
    errors,
    foreignRequests,
    async close() {
      await context.close();
      if (ownsProfile) rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** A tablet as the studio meets it: 1024×768, touch, no WebGPU adapter (the CPU path). */
export function openTablet(baseURL: string): Promise<StudioSession> {
  return openStudio({
    baseURL,
    mode: MODES.find((m) => !m.webgpu)!,
    viewport: { width: 1024, height: 768 },
    hasTouch: true,
  });
}

/**
 * Ends a test's session: checks it was clean, then closes it whatever the check found.
 * @throws Error when the page was not clean (see `assertClean`).
 */
export async function endSession(session: StudioSession | undefined): Promise<void> {
  try {
    if (session) await assertClean(session);
  } finally {
    await session?.close();
  }
}

/** Waits until a service worker controls the page (first visit: install, activate, claim). */
export async function waitForServiceWorker(page: Page, timeout = 60_000): Promise<void> {
  await page.evaluate(async (ms) => {
    const deadline = Date.now() + ms;
    await Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no service worker')), ms)),
    ]);
    while (!navigator.serviceWorker.controller) {
      if (Date.now() > deadline) throw new Error('the service worker never took control');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, timeout);
}

/** Waits until the studio frame has probed its workers and is interactive. */
export async function waitForReady(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, {
    timeout,
  });
}

/** Collects what the page recorded: unhandled rejections and CSP violations. */
export async function pageRecords(page: Page): Promise<{ rejections: string[]; csp: string[] }> {
  return page.evaluate(() => {
    const sink = (globalThis as { __atelierE2E?: { rejections: string[]; csp: string[] } })
      .__atelierE2E;
    return sink ?? { rejections: [], csp: [] };
  });
}

/** @throws when the session saw a page error, a rejection, a CSP violation or a foreign request. */
export async function assertClean(session: StudioSession): Promise<void> {
  const records = session.page.isClosed()
    ? { rejections: [], csp: [] }
    : await pageRecords(session.page);
  const problems = [
    ...session.errors,
    ...records.rejections.map((r) => `unhandled rejection: ${r}`),
    ...records.csp.map((c) => `CSP violation: ${c}`),
    ...session.foreignRequests.map((u) => `request to another origin: ${u}`),
  ];
  if (problems.length) throw new Error(`The page was not clean:\n${problems.join('\n')}`);
}
