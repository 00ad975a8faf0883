/**
 * The example server's configuration, read once from the environment at start-up. Every problem
 * is a {@link ServerConfigError} whose message says what is wrong and how to fix it; none ever
 * contains the secret itself.
 */
import { randomBytes } from 'node:crypto';
import { assertAlgorithm, HMAC_MIN_KEY_BYTES, isHmacAlgorithm, type Algorithm } from '../../lib/core/algorithms.ts';
import type { AsymmetricKey } from '../../lib/core/asymmetric-key.ts';
import type { JwkSetDocument } from '../../lib/core/jwks.ts';
import { prepareSecret } from '../../lib/core/secret.ts';
import { readSigningKey } from './signing-key.ts';

/** The configuration of one server process. */
export interface ServerConfig {
  /** `PORT`, default 8000 (0 picks a free port). */
  port: number;
  /** `HOST`, default `0.0.0.0`. */
  host: string;
  /** `JWT_ALGORITHM`, default HS256. */
  algorithm: Algorithm;
  /**
   * The signing key: `JWT_SECRET_KEY` (or random bytes of the algorithm's minimum length when it
   * is unset) for HS*, the private key in `JWT_PRIVATE_KEY_FILE` for the others.
   */
  secretKey: string | Uint8Array | AsymmetricKey;
  /** The public JWK Set to serve at `/.well-known/jwks.json` (asymmetric algorithms only). */
  jwks: JwkSetDocument | undefined;
  /** Whether {@link ServerConfig.secretKey} was generated (tokens die with the process). */
  secretGenerated: boolean;
  /** `USERS_FILE`: path of a JSON users file; `undefined` means the two demo users. */
  usersFile: string | undefined;
  /** `TRUST_PROXY=1`: take the client address from the last `X-Forwarded-For` entry. */
  trustProxy: boolean;
}

/** A configuration problem that must stop the server at start-up. */
export class ServerConfigError extends Error {
  /** Always `ERR_SERVER_CONFIG`. */
  readonly code: string = 'ERR_SERVER_CONFIG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerConfigError';
  }
}

/**
 * Reads `PORT`, `HOST`, `JWT_ALGORITHM`, `JWT_SECRET_KEY` or `JWT_PRIVATE_KEY_FILE`, `USERS_FILE`
 * and `TRUST_PROXY`.
 *
 * `JWT_SECRET_KEY` set but shorter than 32 bytes (or empty, or a PEM/JWK) is an error: a weak
 * secret must never start serving. Unset, a random secret is generated and
 * `secretGenerated` is `true`, so the caller can warn.
 *
 * @example const config = readServerConfig(process.env)
 * @throws {ServerConfigError} When a variable is invalid; the message names it.
 */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const algorithm = readAlgorithm(env.JWT_ALGORITHM);
  const rawSecret = env.JWT_SECRET_KEY;
  let secretKey: string | Uint8Array | AsymmetricKey;
  let jwks: JwkSetDocument | undefined;
  if (!isHmacAlgorithm(algorithm)) {
    if (rawSecret !== undefined) throw new ServerConfigError(`JWT_SECRET_KEY is for HS256/HS384/HS512; JWT_ALGORITHM=${algorithm} signs with JWT_PRIVATE_KEY_FILE`);
    try {
      ({ key: secretKey, jwks } = readSigningKey(env.JWT_PRIVATE_KEY_FILE, algorithm));
    } catch (error) {
      throw new ServerConfigError((error as Error).message, { cause: error });
    }
  } else if (env.JWT_PRIVATE_KEY_FILE !== undefined) {
    throw new ServerConfigError(`JWT_PRIVATE_KEY_FILE is for asymmetric algorithms; JWT_ALGORITHM=${algorithm} signs with JWT_SECRET_KEY`);
  } else if (rawSecret === undefined) {
    secretKey = randomBytes(HMAC_MIN_KEY_BYTES[algorithm]);
  } else {
    try {
      prepareSecret(rawSecret, 'JWT_SECRET_KEY', algorithm);
    } catch (error) {
      throw new ServerConfigError((error as Error).message, { cause: error });
    }
    secretKey = rawSecret;
  }
  return {
    port: readPort(env.PORT),
    host: readHost(env.HOST),
    algorithm,
    secretKey,
    jwks,
    secretGenerated: isHmacAlgorithm(algorithm) && rawSecret === undefined,
    usersFile: env.USERS_FILE === undefined || env.USERS_FILE === '' ? undefined : env.USERS_FILE,
    trustProxy: readFlag(env.TRUST_PROXY, 'TRUST_PROXY'),
  };
}

function readAlgorithm(value: string | undefined): Algorithm {
  if (value === undefined || value === '') return 'HS256';
  try {
    return assertAlgorithm(value, 'JWT_ALGORITHM');
  } catch (error) {
    throw new ServerConfigError((error as Error).message);
  }
}

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 8000;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ServerConfigError('PORT must be a whole number from 0 to 65535');
  }
  return Number(value);
}

function readHost(value: string | undefined): string {
  if (value === undefined || value === '') return '0.0.0.0';
  if (/\s/.test(value)) throw new ServerConfigError('HOST must be an address or host name without spaces');
  return value;
}

function readFlag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === '0' || value.toLowerCase() === 'false') return false;
  if (value === '1' || value.toLowerCase() === 'true') return true;
  throw new ServerConfigError(`${name} must be 1/true or 0/false`);
}
