/**
 * Request ids: one per request, echoed in the `X-Request-Id` answer header and written in its
 * log line, so one request can be followed from a load balancer's log to this server's.
 * Example server only; not part of the package.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What an incoming id must look like to be kept: 1 to 64 letters, digits, `_`, `-` or `:`.
 * Narrow on purpose: no spaces or quotes (nothing to break a log line or JSON), and no `.`, so a
 * compact JWT (three dot-separated parts) can never pass for an id and reach the log.
 */
export const REQUEST_ID_PATTERN: RegExp = /^[A-Za-z0-9_:-]{1,64}$/;

/**
 * Makes ids unique within the process and hard to guess across processes: a random prefix chosen
 * once, then a counter. Cheaper than a UUID per request.
 */
export class RequestIds {
  readonly #prefix: string;
  #next = 0;

  /** @example const ids = new RequestIds() */
  constructor() {
    this.#prefix = randomBytes(9).toString('base64url');
  }

  /**
   * The incoming `X-Request-Id` when it is well formed (exactly one, matching
   * {@link REQUEST_ID_PATTERN}); otherwise a new id.
   *
   * @example ids.forRequest(req.headers) // 'k3J9x0aQz1bW-1f'
   * @throws Never.
   */
  forRequest(headers: IncomingHttpHeaders): string {
    const incoming = headers['x-request-id'];
    if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming;
    return this.generate();
  }

  /** A new id: the process prefix, `-`, and a base-36 counter. */
  generate(): string {
    this.#next++;
    return `${this.#prefix}-${this.#next.toString(36)}`;
  }
}
