/**
 * Shared pieces of the AuthX-layer tests: a fixed clock, token inspection with Buffer (not the
 * library's codec), and real `node:http` servers on port 0.
 */
import { createHmac } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthX, type AuthXConfig } from '../../lib/index.ts';

/** A 32-byte-plus test secret. */
export const SECRET = 'authx-test-secret-0123456789-abcdefghij';
/** Another one, for rotation. */
export const OLD_SECRET = 'authx-old-secret-9876543210-zyxwvutsrqp';
/** 2026-01-01T00:00:00Z in milliseconds. */
export const START_MS = 1767225600_000;

/** A settable clock. */
export interface TestClock {
  now: number;
  (): number;
}

/**
 * A clock that starts at {@link START_MS} and moves only when told.
 *
 * @throws Never.
 */
export function testClock(startMs: number = START_MS): TestClock {
  const clock = (() => clock.now) as TestClock;
  clock.now = startMs;
  return clock;
}

/**
 * An AuthX with the test secret and the given options.
 *
 * @throws Never for valid options.
 */
export function makeAuth(config: Partial<AuthXConfig> = {}): AuthX {
  return new AuthX({ secretKey: SECRET, ...config });
}

/**
 * The header and payload of a token, decoded with Buffer; the signature checked with createHmac.
 *
 * @throws {Error} When the signature does not match `secret`.
 */
export function inspect(token: string, secret: string = SECRET): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p, s] = token.split('.');
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  if (expected !== s) throw new Error('signature does not match the test secret');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

/** A running server. */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server on 127.0.0.1, port 0.
 *
 * @throws Never.
 */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<TestServer> {
  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends JSON.
 *
 * @throws Never.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** What {@link rawRequest} received. */
export interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/**
 * One request through `node:http`'s client, for what `fetch` cannot send: a GET with a body, an
 * absolute-form target (`GET http://localhost/logout`, RFC 9112 section 3.2.2).
 *
 * @example await rawRequest(server.url, "http://localhost/logout", { headers: { cookie } })
 * @throws {Error} When the connection fails.
 */
export function rawRequest(base: string, target: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request({ host: hostname, port: Number(port), path: target, method: options.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
