/**
 * Sending JSON answers from `node:http` handlers, with the headers every answer of an auth
 * server should carry.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Headers on every JSON answer: answers may carry tokens, so no cache keeps them
 * (RFC 6749 section 5.1 asks `no-store` of token answers), and browsers must not sniff them.
 */
export const JSON_ANSWER_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

/**
 * Writes `body` as JSON with `status` and ends the response. Does nothing if the answer was
 * already sent (a client that went away, a handler that answered twice).
 *
 * @param headers Extra headers, e.g. `www-authenticate`, `allow`, `retry-after`, `connection`.
 * @example sendJson(res, 404, { detail: 'Not Found' })
 * @throws Never.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: OutgoingHttpHeaders): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  // A literal rather than a spread of JSON_ANSWER_HEADERS: one object per answer, built in one
  // step (a test checks that the two say the same).
  const head: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(text),
  };
  if (headers !== undefined) Object.assign(head, headers);
  res.writeHead(status, head);
  res.end(text);
}
