/**
 * The peers `npm run bench` measures server.ts against, each run as its own process on PORT:
 *
 *   node bench/peer-server.ts bare       # node:http answering the /protected JSON, checking nothing (the floor)
 *   node bench/peer-server.ts fast-jwt   # node:http + fast-jwt: Bearer token verified, the same JSON
 *   node bench/peer-server.ts fast-jwt-same-answer
 *                                        # the same, plus what server.ts adds to every answer: its
 *                                        # headers, a request id, an access-log line (batched)
 *
 * All answer what `GET /protected` answers for user1 (shared/SEED.md); the fast-jwt peers look
 * the e-mail up as server.ts does and answer 401 with a challenge for a bad token. The third
 * tells what server.ts's own code costs apart from what it is asked to do on top of the second:
 * it has no revocation check, no metrics and no `jti` cut-off, and parses `Authorization` with
 * `startsWith`, as the second does.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createVerifier } from 'fast-jwt';
import { BENCH_SECRET } from './micro.ts';

const EMAILS = new Map([
  ['user1', 'user1@example.com'],
  ['user2', 'user2@example.com'],
]);

function answer(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const BARE_BODY = JSON.stringify({ message: 'You have access to this protected resource', username: 'user1', email: 'user1@example.com' });

function bare(_req: IncomingMessage, res: ServerResponse): void {
  answer(res, 200, BARE_BODY);
}

const verify = createVerifier({ key: BENCH_SECRET, algorithms: ['HS256'] });

function fastJwt(req: IncomingMessage, res: ServerResponse): void {
  const header = req.headers.authorization;
  try {
    if (header === undefined || !header.startsWith('Bearer ')) throw new Error('no token');
    const payload = verify(header.slice(7)) as { sub?: string };
    const email = typeof payload.sub === 'string' ? EMAILS.get(payload.sub) : undefined;
    answer(res, 200, JSON.stringify({ message: 'You have access to this protected resource', username: payload.sub, email }));
  } catch {
    answer(res, 401, '{"detail":"Invalid token"}', { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
}

// The same answer as server.ts: its three JSON headers, an X-Request-Id from a random prefix and
// a counter, and one access-log line per request written to stdout once per event-loop turn.
const idPrefix = randomBytes(9).toString('base64url');
let nextId = 0;
let pendingLog = '';
const flushLog = (): void => {
  process.stdout.write(pendingLog);
  pendingLog = '';
};

function sameAnswer(res: ServerResponse, status: number, body: string, id: string, extra?: Record<string, string>): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
    'x-request-id': id,
    ...extra,
  });
  res.end(body);
}

function fastJwtSameAnswer(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const id = `${idPrefix}-${(++nextId).toString(36)}`;
  res.on('close', () => {
    if (pendingLog === '') setImmediate(flushLog);
    pendingLog += `${req.method} /protected ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms id=${id}\n`;
  });
  const header = req.headers.authorization;
  try {
    if (header === undefined || !header.startsWith('Bearer ')) throw new Error('no token');
    const payload = verify(header.slice(7)) as { sub?: string };
    const email = typeof payload.sub === 'string' ? EMAILS.get(payload.sub) : undefined;
    sameAnswer(res, 200, JSON.stringify({ message: 'You have access to this protected resource', username: payload.sub, email }), id);
  } catch {
    sameAnswer(res, 401, '{"detail":"Invalid token"}', id, { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
}

const handlers = { bare, 'fast-jwt': fastJwt, 'fast-jwt-same-answer': fastJwtSameAnswer } as const;
const kind = process.argv[2] ?? '';
if (!Object.hasOwn(handlers, kind)) throw new Error('usage: peer-server.ts bare|fast-jwt|fast-jwt-same-answer');
createServer({ keepAlive: true }, handlers[kind as keyof typeof handlers]).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
