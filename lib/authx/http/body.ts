/**
 * Reading a JSON request body from hostile clients: the content type is checked first, a
 * declared `Content-Length` above the limit is refused before a byte is read, and a streamed body
 * is cut off the moment it crosses the limit, so no client can make the server buffer more than
 * `limit` bytes. The outcome is cached per request object, so a body is never read twice.
 */
import type { IncomingMessage } from 'node:http';
import {
  BodyAbortedError,
  BodyContentTypeError,
  BodyTooLargeError,
  EmptyBodyError,
  InvalidJsonBodyError,
} from './body-errors.ts';
import { describeJsonSyntaxError } from './json-syntax-error.ts';

/** Default body limit: 16 KiB, far above any login form and far below anything harmful. */
export const DEFAULT_BODY_LIMIT: number = 16 * 1024;

/** Options of {@link readJsonBody}. */
export interface ReadJsonBodyOptions {
  /** Largest accepted body in bytes; a positive safe integer. Default {@link DEFAULT_BODY_LIMIT}. */
  limit?: number;
}

const outcomes = new WeakMap<object, Promise<unknown>>();

/**
 * Reads and parses the JSON body of a `node:http` request or a WHATWG `Request`.
 *
 * The first call reads; every later call on the same request object returns the same value or
 * rejects with the same error. When it rejects with {@link BodyTooLargeError}, the rest of the
 * body is still unread on the connection: answer with `Connection: close`.
 *
 * @param req The request; its body must not have been consumed by anything else.
 * @param options See {@link ReadJsonBodyOptions}.
 * @returns The parsed JSON value (any JSON value: check its shape yourself).
 * @example
 * const body = await readJsonBody(req, { limit: 4096 })
 * @throws {BodyContentTypeError} 415: `Content-Type` missing or not `application/json` (or
 *   `application/<x>+json`), or a `Content-Encoding` other than `identity`.
 * @throws {BodyTooLargeError} 413: `Content-Length` or the streamed body exceeds the limit.
 * @throws {EmptyBodyError} 400: the body is empty.
 * @throws {InvalidJsonBodyError} 400: the body is not UTF-8 or not JSON.
 * @throws {BodyAbortedError} 400: the client went away before the body was complete.
 * @throws {RangeError} When `options.limit` is not a positive safe integer.
 * @throws {TypeError} When the body was already consumed by someone else.
 */
export function readJsonBody(req: IncomingMessage | Request, options?: ReadJsonBodyOptions): Promise<unknown> {
  const limit = options?.limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`options.limit must be a positive safe integer (bytes); got ${String(limit)}`);
  }
  let outcome = outcomes.get(req);
  if (outcome === undefined) {
    outcome = readAndParse(req, limit);
    // The cached promise is also handed out later; this keeps an unobserved rejection quiet.
    outcome.catch(() => {});
    outcomes.set(req, outcome);
  }
  return outcome;
}

async function readAndParse(req: IncomingMessage | Request, limit: number): Promise<unknown> {
  const headers = new HeaderReader(req.headers);
  assertJsonContentType(headers.get('content-type'));
  const encoding = headers.get('content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new BodyContentTypeError('Content-Encoding is not supported; send the JSON body uncompressed');
  }
  const declared = headers.get('content-length');
  // node:http has already refused malformed values; a WHATWG Request may carry anything.
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > limit) {
    throw new BodyTooLargeError(limit);
  }
  const bytes = isWhatwgRequest(req) ? await readWhatwgBody(req, limit) : await readNodeBody(req, limit);
  return parseJsonBytes(bytes);
}

/**
 * Tells a WHATWG `Request` from a `node:http` request by its `headers.get` method, so that
 * subclasses and other realms' Requests (undici, Next.js) count too. Shared with the token
 * extractor so both always agree.
 *
 * @example isWhatwgRequest(new Request("http://x/")) // true
 * @throws Never.
 */
export function isWhatwgRequest(req: IncomingMessage | Request): req is Request {
  return typeof (req.headers as { get?: unknown } | undefined)?.get === 'function';
}

/** One view over `Headers` and node's lower-cased header object. */
class HeaderReader {
  readonly #source: Headers | IncomingMessage['headers'];

  constructor(source: Headers | IncomingMessage['headers']) {
    this.#source = source;
  }

  get(name: string): string | undefined {
    if (typeof this.#source.get === 'function') return (this.#source as Headers).get(name) ?? undefined;
    const value = (this.#source as IncomingMessage['headers'])[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/** Accepts `application/json` and `application/<anything>+json`, with any parameters. */
function assertJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') {
    throw new BodyContentTypeError('Content-Type is missing; send application/json');
  }
  const mediaType = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  const match = /^application\/([a-z0-9!#$&^_.+-]+)$/.exec(mediaType);
  const subtype = match?.[1];
  if (subtype === undefined || (subtype !== 'json' && !subtype.endsWith('+json'))) {
    throw new BodyContentTypeError('Content-Type must be application/json');
  }
}

function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (req.readableEnded) return Promise.reject(new TypeError('The request body was already consumed'));
  if (req.destroyed) return Promise.reject(new BodyAbortedError('Request was closed before its body was read'));
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanUp = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > limit) {
        cleanUp();
        // Stop pulling from the socket; what is left stays in the kernel and TCP flow control
        // stalls the client. The response must close the connection (Connection: close).
        req.pause();
        chunks.length = 0;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      cleanUp();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onError = (error: Error): void => {
      cleanUp();
      reject(new BodyAbortedError('Request body could not be read completely', { cause: error }));
    };
    const onClose = (): void => {
      cleanUp();
      reject(new BodyAbortedError('Request was closed before its body was complete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

async function readWhatwgBody(req: Request, limit: number): Promise<Uint8Array> {
  if (req.bodyUsed) throw new TypeError('The request body was already consumed');
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > limit) {
        // Cancelling tells the source to stop producing; nothing more is read.
        reader.cancel().catch(() => {});
        throw new BodyTooLargeError(limit);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw error;
    throw new BodyAbortedError('Request body could not be read completely', { cause: error });
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, received);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonBytes(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new EmptyBodyError();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    // No `cause` here or below: the platform's errors may quote the body, a password with it.
    throw new InvalidJsonBodyError('Request body is not valid UTF-8', {
      position: firstInvalidUtf8Offset(bytes),
      reason: 'Invalid UTF-8',
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    const { position, reason } = describeJsonSyntaxError(text);
    throw new InvalidJsonBodyError('Request body is not valid JSON', { position, reason });
  }
}

/**
 * Byte offset of the first byte that breaks UTF-8 (the body's length when it only ends in the
 * middle of a character). A streaming decode of a prefix fails exactly when a complete invalid
 * sequence lies inside it, so the shortest failing prefix is found by bisection: about 14 native
 * decodes for 16 KiB instead of one per byte.
 */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const fails = (length: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  if (!fails(bytes.length)) return bytes.length;
  let ok = 0;
  let failing = bytes.length;
  while (failing - ok > 1) {
    const middle = (ok + failing) >>> 1;
    if (fails(middle)) failing = middle;
    else ok = middle;
  }
  return failing - 1;
}
