/**
 * The WebSocket adapter, `authx-node/websocket`: authenticates the HTTP upgrade request of a
 * WebSocket (RFC 6455 section 4) before the handshake completes, from the `Authorization`
 * header, a query parameter, or a `Sec-WebSocket-Protocol` entry (browsers cannot set headers on
 * a WebSocket), and refuses a bad one with a real HTTP 401/403 answer on the socket. Works with
 * the `ws` package's `noServer` mode; `ws` is imported for its types only.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { AuthX } from '../authx.ts';
import { InvalidAuthorizationHeaderError, MissingTokenError } from '../authx-errors.ts';
import type { TokenPayload, VerifyTokenOptions } from '../tokens/token-verifier.ts';
import { assertScopeList, type ScopeMatch } from '../tokens/scopes.ts';
import { libraryErrorAnswer } from './guard.ts';
import { assertKnownOptions } from '../../core/option-names.ts';

/** Where an upgrade request may carry its access token. */
export type UpgradeTokenSource = 'headers' | 'query' | 'protocol';

/** Options of {@link websocketAuth}. */
export interface WebSocketAuthOptions {
  /** Sources searched, in order. Default `["headers", "query", "protocol"]`. */
  sources?: readonly UpgradeTokenSource[];
  /** The `Sec-WebSocket-Protocol` entry holding the token is this prefix and the token. Default `"bearer."`. */
  protocolPrefix?: string;
  /** Require a fresh access token. Default `false`. */
  fresh?: boolean;
  /** Scopes the token must grant (403 otherwise). */
  scopes?: readonly string[];
  /** All of `scopes`, or any one. Default `all`. */
  scopeMatch?: ScopeMatch;
  /** Called with every error that is not the library's (answered as a bare 500), e.g. a revocation store that is down. */
  onUnexpectedError?: (error: unknown) => void;
}

/** The WebSocket adapter of one AuthX instance; see {@link websocketAuth}. */
export interface WebSocketAuth<C extends object = Record<string, unknown>> {
  /** Finds and verifies the access token of an upgrade request. */
  authenticate(req: IncomingMessage): Promise<TokenPayload<C>>;
  /** Writes the HTTP answer for an error (401/403 for the library's, a bare 500 otherwise) and closes the socket. */
  refuse(socket: Duplex, error: unknown): void;
  /** A `server.on("upgrade", ...)` listener: authenticates, then hands the socket to `wss` (which emits `connection`), or refuses. */
  upgrade(wss: WebSocketServer): (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The payload of an upgrade request accepted by {@link upgrade}. Throws a `TypeError` for any other. */
  payload(req: IncomingMessage): TokenPayload<C>;
  /** For `new WebSocketServer({ handleProtocols })`: selects the first offered protocol that is not the token entry. */
  handleProtocols(protocols: Set<string>): string | false;
}

const KNOWN = ['sources', 'protocolPrefix', 'fresh', 'scopes', 'scopeMatch', 'onUnexpectedError'];
const SOURCES: readonly UpgradeTokenSource[] = ['headers', 'query', 'protocol'];
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 413: 'Payload Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/**
 * The WebSocket adapter of an AuthX instance.
 *
 * @example
 * const wsAuth = websocketAuth(auth);
 * const wss = new WebSocketServer({ noServer: true, handleProtocols: wsAuth.handleProtocols });
 * server.on("upgrade", wsAuth.upgrade(wss));
 * wss.on("connection", (ws, req) => ws.send(`hello ${wsAuth.payload(req).sub}`));
 * @throws {TypeError} For an unknown option or a value of the wrong type.
 */
export function websocketAuth<C extends object>(auth: AuthX<C>, options?: WebSocketAuthOptions): WebSocketAuth<C> {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new TypeError('websocketAuth options must be an object');
  assertKnownOptions(o, KNOWN, 'websocketAuth options');
  const sources = o.sources ?? SOURCES;
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => SOURCES.includes(s))) {
    throw new TypeError('sources must be a non-empty array of "headers", "query", "protocol"');
  }
  const prefix = o.protocolPrefix ?? 'bearer.';
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError('protocolPrefix must be a non-empty string');
  if (o.fresh !== undefined && typeof o.fresh !== 'boolean') throw new TypeError('fresh must be a boolean');
  if (o.scopes !== undefined) assertScopeList(o.scopes, 'scopes');
  if (o.scopeMatch !== undefined && o.scopeMatch !== 'all' && o.scopeMatch !== 'any') throw new TypeError('scopeMatch must be "all" or "any"');
  const onUnexpectedError = o.onUnexpectedError;
  if (onUnexpectedError !== undefined && typeof onUnexpectedError !== 'function') throw new TypeError('onUnexpectedError must be a function');
  const verify: VerifyTokenOptions = { type: 'access' };
  if (o.fresh === true) verify.verifyFresh = true;
  if (o.scopes !== undefined) verify.requiredScopes = [...o.scopes];
  if (o.scopeMatch !== undefined) verify.scopeMatch = o.scopeMatch;
  const payloads = new WeakMap<IncomingMessage, TokenPayload<C>>();

  const authenticate = async (req: IncomingMessage): Promise<TokenPayload<C>> => {
    // An Authorization header of another scheme (a proxy's Basic credentials) does not end the
    // search, as in the HTTP getters: it is reported only if no other source holds a token.
    let otherScheme: InvalidAuthorizationHeaderError | undefined;
    for (const source of sources) {
      if (source === 'protocol') {
        const token = protocolToken(req.headers['sec-websocket-protocol'], prefix);
        if (token !== undefined) return auth.verifyToken(token, verify);
        continue;
      }
      try {
        return await auth.verifyToken(await auth.getAccessTokenFromRequest(req, { locations: [source] }), verify);
      } catch (error) {
        if (error instanceof InvalidAuthorizationHeaderError && error.reason === 'wrong_scheme') otherScheme = error;
        else if (!(error instanceof MissingTokenError)) throw error;
      }
    }
    throw otherScheme ?? new MissingTokenError('No access token found in the request', { locations: sources });
  };

  const refuse = (socket: Duplex, error: unknown): void => {
    if (socket.destroyed) return;
    const answer = libraryErrorAnswer(error);
    if (answer === undefined && onUnexpectedError !== undefined) {
      try {
        onUnexpectedError(error);
      } catch {
        // a failing logger must not keep the socket from being answered
      }
    }
    const status = answer?.status ?? 500;
    const body = JSON.stringify(answer?.body ?? { detail: 'Internal Server Error' });
    const headers: Record<string, string> = {
      ...(answer?.headers ?? { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }),
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    socket.end(`${head}\r\n${body}`);
  };

  return {
    authenticate,
    refuse,
    upgrade(wss) {
      return (req, socket, head) => {
        // A client that resets the connection while its token is checked must not crash the process.
        const ignore = (): void => {};
        socket.on('error', ignore);
        authenticate(req).then(
          (payload) => {
            socket.off('error', ignore);
            if (socket.destroyed) return;
            payloads.set(req, payload);
            wss.handleUpgrade(req, socket, head, (ws: WebSocket) => wss.emit('connection', ws, req));
          },
          (error: unknown) => refuse(socket, error),
        );
      };
    },
    payload(req) {
      const payload = payloads.get(req);
      if (payload === undefined) throw new TypeError('this upgrade request was not accepted by websocketAuth().upgrade');
      return payload;
    },
    handleProtocols(protocols) {
      for (const protocol of protocols) if (!protocol.startsWith(prefix)) return protocol;
      return false;
    },
  };
}

function protocolToken(header: string | undefined, prefix: string): string | undefined {
  if (header === undefined) return undefined;
  for (const entry of header.split(',')) {
    const value = entry.trim();
    if (value.startsWith(prefix) && value.length > prefix.length) return value.slice(prefix.length);
  }
  return undefined;
}
