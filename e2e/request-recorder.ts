import type { BrowserContext, Request } from '@playwright/test';

/**
 * Records every request the browser context makes (pages, workers and
 * service workers alike) and lists those whose origin is not exactly the
 * app's own. `data:` URLs never leave the page; `blob:` URLs carry their
 * creator's origin, so they are checked like any other URL.
 */
export class RequestRecorder {
  readonly all: string[] = [];
  readonly foreign: string[] = [];

  constructor(
    context: BrowserContext,
    private readonly appOrigin: string,
  ) {
    context.on('request', (request: Request) => this.record(request.url()));
  }

  private record(url: string): void {
    this.all.push(url);
    if (url.startsWith('data:')) return;

    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      this.foreign.push(url);
      return;
    }
    if (origin !== this.appOrigin) this.foreign.push(url);
  }
}
