/**
 * A static file server for the production build on 127.0.0.1, with the studio's COOP, COEP and
 * CSP headers, so the headless page is cross-origin isolated exactly as `npm run studio` serves it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { securityHeaders } from '../../src/security-headers';

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `root` on a free port of 127.0.0.1 chosen by the OS. Other methods than GET and HEAD get 405.
 * `resolveLocal` maps a URL path to a file outside `root` that the caller registered, such as
 * model weights or images. Those files are streamed from disk, so files of any size reach the page.
 */
export async function startStaticServer(root: string, resolveLocal?: (pathname: string) => string | undefined): Promise<StaticServer> {
  const rootDir = path.resolve(root);
  const headers = securityHeaders({ strictCsp: true });

  const server = http.createServer((request, response) => {
    void serveFile(rootDir, headers, request, response, resolveLocal);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serveFile(
  rootDir: string,
  headers: Record<string, string>,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  resolveLocal?: (pathname: string) => string | undefined,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
    return;
  }

  // Resolve inside the root only: a path that climbs out with `..` or encoded slashes gets 404.
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    response.writeHead(400, headers).end();
    return;
  }
  const local = resolveLocal?.(pathname);
  const filePath = local ?? path.resolve(rootDir, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
  if (!local && filePath !== rootDir && !filePath.startsWith(rootDir + path.sep)) {
    response.writeHead(404, headers).end();
    return;
  }

  let size: number;
  try {
    const info = await stat(filePath);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`Not found: ${pathname}`);
    return;
  }

  const contentType = MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
  response.writeHead(200, { ...headers, 'Content-Type': contentType, 'Content-Length': String(size), 'Cache-Control': 'no-store' });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(filePath).pipe(response);
}
