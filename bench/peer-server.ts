/**
 * The peers `npm run bench` measures server.ts against, each run as its own process on PORT:
 *
 *   node bench/peer-server.ts bare       # node:http answering the /protected JSON, checking nothing (the floor)
 *   node bench/peer-server.ts fast-jwt   # node:http + fast-jwt: Bearer token verified, the same JSON
 *
 * Both answer what `GET /protected` answers for user1 (shared/SEED.md); the fast-jwt peer looks
 * the e-mail up as server.ts does and answers 401 with a challenge for a bad token.
 */
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

const kind = process.argv[2];
if (kind !== 'bare' && kind !== 'fast-jwt') throw new Error('usage: peer-server.ts bare|fast-jwt');
createServer({ keepAlive: true }, kind === 'bare' ? bare : fastJwt).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
