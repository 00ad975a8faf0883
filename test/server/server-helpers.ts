/**
 * Starts the real server (server/http/app.ts's `createServer`) on 127.0.0.1:0 for the tests, with a fixed
 * secret, a controllable clock, captured log lines and users hashed at a small scrypt cost (the
 * default OWASP cost is exercised by the process tests).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createServer, type ServerOptions, type ServerTimeouts } from '../../server/http/app.ts';
import { hashPassword, type ScryptParameters } from '../../server/login/password.ts';
import { UserStore } from '../../server/login/user-store.ts';

/** 32+ byte test secret. */
export const TEST_SECRET = 'server-test-secret-0123456789-abcdefghijkl';
/** Cheap scrypt cost for tests only. */
export const FAST_SCRYPT: ScryptParameters = { N: 1024, r: 8, p: 1 };

/** The demo users at {@link FAST_SCRYPT} cost (same names, passwords and e-mails as the seed). */
export async function fastDemoUsers(parameters: ScryptParameters = FAST_SCRYPT): Promise<UserStore> {
  return new UserStore({
    user1: { password_hash: await hashPassword('password1', { parameters }), email: 'user1@example.com' },
    user2: { password_hash: await hashPassword('password2', { parameters }), email: 'user2@example.com' },
  });
}

/** A clock the test moves by hand (ms since the epoch). */
export interface TestClock {
  now: () => number;
  advance: (ms: number) => void;
}

/** A fixed clock starting at 2026-01-01T00:00:00Z. */
export function testClock(start: number = Date.UTC(2026, 0, 1)): TestClock {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

/** A running test server. */
export interface TestServer {
  url: string;
  port: number;
  clock: TestClock;
  /** Access-log lines written so far. */
  logLines: string[];
  /** Errors passed to `onUnexpectedError`. */
  unexpected: unknown[];
  server: import('node:http').Server;
  close: () => Promise<void>;
}

/** Options over the test defaults, or a function of the test's clock that makes them (a store on that clock). */
export type TestOverrides = Partial<ServerOptions & ServerTimeouts> | ((clock: TestClock) => Partial<ServerOptions & ServerTimeouts>);

/** Starts the server; options override the test defaults. */
export async function startTestServer(given: TestOverrides = {}): Promise<TestServer> {
  const clock = testClock();
  const overrides = typeof given === 'function' ? given(clock) : given;
  const logLines: string[] = [];
  const unexpected: unknown[] = [];
  const server = createServer({
    secretKey: TEST_SECRET,
    users: await fastDemoUsers(),
    clock: clock.now,
    // The log arrives in batches (one write per event-loop turn); the tests look at lines.
    log: { write: (text: string) => logLines.push(...text.split(/(?<=\n)/)) },
    onUnexpectedError: (error) => unexpected.push(error),
    ...overrides,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    clock,
    logLines,
    unexpected,
    server,
    close: async () => {
      server.closeAllConnections();
      if (server.listening) {
        server.close();
        await once(server, 'close');
      }
    },
  };
}

/** Runs `body` against a fresh server and always closes it. */
export async function withTestServer(
  body: (server: TestServer) => Promise<void>,
  overrides: TestOverrides = {},
): Promise<void> {
  const server = await startTestServer(overrides);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** A fetch answer read completely. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** fetch, then read the body (as JSON when it parses). */
export async function call(url: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** POST a JSON text (given as is) to /login. */
export function login(base: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${base}/login`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

/** Logs in and returns both tokens. */
export async function tokensFor(base: string, username = 'user1', password = 'password1'): Promise<{ access: string; refresh: string }> {
  const answer = await login(base, JSON.stringify({ username, password }));
  if (answer.status !== 200) throw new Error(`login failed with ${answer.status}`);
  return { access: answer.body.access_token, refresh: answer.body.refresh_token };
}

/** Sends raw bytes on a fresh connection; resolves with everything received until the server closes. */
export function rawRequest(port: number, data: string | Buffer, options: { endAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', (error) => (received === '' ? reject(error) : resolve(received)));
    socket.on('close', () => resolve(received));
    socket.write(data);
    if (options.endAfterMs !== undefined) setTimeout(() => socket.destroy(), options.endAfterMs);
  });
}

/** Decodes a JWT segment (test-side, with Buffer). */
export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
}

/** POST /login as `username`; the status and the tokens (empty strings when refused). */
export async function loginAs(url: string, username = 'user1', password = 'password1'): Promise<{ status: number; access: string; refresh: string }> {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await response.json()) as { access_token?: string; refresh_token?: string };
  return { status: response.status, access: body.access_token ?? '', refresh: body.refresh_token ?? '' };
}

/**
 * Requests `/protected` with `token` until `stop`, pausing `pauseMs` between requests; every
 * status seen, counted (0: no answer). For tests that break Redis under load.
 */
export function hammer(url: string, token: string, pauseMs = 0): { stop: () => Promise<Map<number, number>> } {
  const seen = new Map<number, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await fetch(`${url}/protected`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status, () => 0);
      seen.set(status, (seen.get(status) ?? 0) + 1);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}
