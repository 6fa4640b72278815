/** The headless runner's static server: MIME types, security headers, and no reads outside its root. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startStaticServer, type StaticServer } from '../../../scripts/headless/static-server';
import { CONTENT_SECURITY_POLICY } from '../../../src/security-headers';

let tempDir = '';
let server: StaticServer;

/** Sends a raw GET, so paths with `..` reach the server unnormalised (fetch would resolve them first). */
function rawGet(origin: string, requestPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: requestPath, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

beforeAll(async () => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'static-server-'));
  const root = path.join(tempDir, 'dist');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(root, 'assets', 'main.js'), 'export const answer = 42;');
  writeFileSync(path.join(root, 'assets', 'kernel.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  writeFileSync(path.join(tempDir, 'secret.txt'), 'outside the root');
  server = await startStaticServer(root);
});

afterAll(async () => {
  await server?.close();
  rmSync(tempDir, { recursive: true, force: true });
});

describe('startStaticServer', () => {
  it('listens on loopback', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves wasm with its MIME type', async () => {
    const response = await fetch(`${server.origin}/assets/kernel.wasm`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  });

  it('serves js as JavaScript', async () => {
    const response = await fetch(`${server.origin}/assets/main.js`);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await response.text()).toBe('export const answer = 42;');
  });

  it('sends isolation and CSP headers', async () => {
    const response = await fetch(`${server.origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers 404 for missing files', async () => {
    const response = await fetch(`${server.origin}/assets/none.js`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('rejects paths outside the root', async () => {
    for (const requestPath of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const response = await rawGet(server.origin, requestPath);
      expect(response.status, requestPath).toBe(404);
      expect(response.body, requestPath).not.toContain('outside the root');
    }
  });

  it('rejects methods other than GET and HEAD', async () => {
    const response = await fetch(`${server.origin}/index.html`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
  });
});
