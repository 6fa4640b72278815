/**
 * Runs the studio's own worker code in headless Chromium for command-line tools: builds the app
 * when needed, serves the build on 127.0.0.1 with the studio's security headers, opens
 * /headless.html and calls `window.clipitHeadless` in it. Local files reach the page only
 * through same-origin `/__local__/` URLs that Playwright fulfils from disk. The page's CSP
 * (`connect-src 'self'`) therefore stays in force, and nothing goes over the network.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium';
import type { ClipitHeadless } from '../../src/headless/headless-main';
import { ensureBuild } from './build';
import { startStaticServer, type StaticServer } from './static-server';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The build the runner serves; CLIPIT_DIST_DIR moves it, e.g. away from a `dist/` that e2e tests rebuild. */
export const DEFAULT_DIST_DIR = process.env.CLIPIT_DIST_DIR ? path.resolve(process.env.CLIPIT_DIST_DIR) : path.join(REPO_ROOT, 'dist');

/** Time for headless.html to load its module and start the worker. */
const PAGE_READY_TIMEOUT_MS = 60_000;

const LOCAL_PREFIX = '/__local__/';

export interface HeadlessOptions {
  /** Forward the page's console to stderr and show Vite's build output. */
  verbose?: boolean;
  distDir?: string;
}

type Method = keyof ClipitHeadless;

export class HeadlessRunner {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly server: StaticServer,
    private readonly pageErrors: string[],
    private readonly localFiles: Map<string, string>,
  ) {}

  /** Builds if needed, starts the server and Chromium, and waits until the page is ready. */
  static async open(options: HeadlessOptions = {}): Promise<HeadlessRunner> {
    const verbose = options.verbose ?? false;
    const distDir = options.distDir ?? DEFAULT_DIST_DIR;
    await ensureBuild(REPO_ROOT, distDir, verbose);

    const localFiles = new Map<string, string>();
    const server = await startStaticServer(distDir, (pathname) =>
      pathname.startsWith(LOCAL_PREFIX) ? localFiles.get(pathname.slice(LOCAL_PREFIX.length)) : undefined,
    );
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
      const page = await browser.newPage();
      // Embedding a large folder can take many minutes on SwiftShader, so calls have no time limit.
      page.setDefaultTimeout(0);

      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      if (verbose) {
        page.on('console', (message) => process.stderr.write(`[chromium ${message.type()}] ${message.text()}\n`));
        page.on('pageerror', (error) => process.stderr.write(`[chromium pageerror] ${error.message}\n`));
      }

      const runner = new HeadlessRunner(browser, page, server, pageErrors, localFiles);
      // Registered files are streamed by the server; any other `/__local__/` URL gets 404 there.
      await runner.waitUntilReady();
      return runner;
    } catch (error) {
      await browser?.close();
      await server.close();
      throw error;
    }
  }

  /**
   * Returns a same-origin URL under which the page can fetch `filePath`. Only files passed here
   * are served; any other `/__local__/` URL gets 404.
   */
  localUrl(filePath: string): string {
    const absolute = path.resolve(filePath);
    const key = `${this.localFiles.size}/${encodeURIComponent(path.basename(absolute))}`;
    this.localFiles.set(key, absolute);
    return `${LOCAL_PREFIX}${key}`;
  }

  /** Calls `window.clipitHeadless[method]` in the page; a rejection there becomes an Error with the page's message. */
  async call<M extends Method>(method: M, ...args: Parameters<ClipitHeadless[M]>): Promise<Awaited<ReturnType<ClipitHeadless[M]>>> {
    try {
      return (await this.page.evaluate(
        ([name, callArgs]) => (window.clipitHeadless[name] as (...values: unknown[]) => Promise<unknown>)(...callArgs),
        [method, args] as [Method, unknown[]],
      )) as Awaited<ReturnType<ClipitHeadless[M]>>;
    } catch (error) {
      throw new Error(pageErrorMessage(error));
    }
  }

  /** Origin of the runner's static server, e.g. `http://127.0.0.1:40123`. */
  get origin(): string {
    return this.server.origin;
  }

  /**
   * Opens a new browser context on the same browser, with its own storage, for pages of the build
   * other than headless.html (the studio itself). The caller closes it.
   */
  newContext(): Promise<BrowserContext> {
    return this.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  }

  /** Chromium's version string, e.g. `156.0.8078.114`. */
  browserVersion(): string {
    return this.browser.version();
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
  }

  private async waitUntilReady(): Promise<void> {
    await this.page.goto(`${this.server.origin}/headless.html`);
    try {
      await this.page.waitForFunction(() => document.documentElement.dataset.clipitHeadless === 'ready', undefined, { timeout: PAGE_READY_TIMEOUT_MS });
    } catch {
      const errors = this.pageErrors.length > 0 ? ` Page errors: ${this.pageErrors.join(' | ')}` : ' Run with --verbose to see the page console.';
      throw new Error(`headless.html did not become ready within ${PAGE_READY_TIMEOUT_MS / 1000} s.${errors}`);
    }
  }
}

/** Reduces a Playwright evaluate error to the message the page threw, without Playwright's prefix and stack. */
export function pageErrorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const firstLine = raw.split('\n')[0];
  return firstLine.replace(/^page\.evaluate:\s*/, '').replace(/^(Error|TypeError|RangeError):\s*/, '');
}
