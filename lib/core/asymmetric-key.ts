/**
 * Asymmetric JWS keys over `node:crypto`: EdDSA with Ed25519 (RFC 8037 section 3.1), ECDSA
 * P-256/384/521 (RFC 7518 section 3.4), RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 7518 sections
 * 3.3 and 3.5). Exported by `authx-node/core` (`importKey`, `AsymmetricKey`).
 *
 * The key decides which algorithms it serves (RFC 8725 section 3.1): its type and curve are read
 * from the key itself, never from a token. Signatures are in the JOSE form: ECDSA as `r || s`
 * (`dsaEncoding: 'ieee-p1363'`), not DER.
 */
import { constants, createPrivateKey, createPublicKey, KeyObject, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { ECDSA_CURVES, ED25519_SIGNATURE_BYTES, MIN_RSA_MODULUS_BITS, assertAlgorithm, digestOf, type Algorithm } from './algorithms.ts';
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { assertKnownOptions } from './option-names.ts';

/** A JSON Web Key (RFC 7517 section 4) as a plain object. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  [member: string]: unknown;
}

/** A key as the signing and verifying functions accept it, besides HMAC secrets. */
export type AsymmetricKeyInput = AsymmetricKey | KeyObject | Jwk;

/** Options of {@link importKey}. */
export interface ImportKeyOptions {
  /** Key id written into signed tokens and matched against a token's `kid`; default the JWK's `kid`. */
  kid?: string;
  /** Restrict the key to one algorithm (it must suit the key); default the JWK's `alg`, else all that suit it. */
  algorithm?: Algorithm;
}

const IMPORT_KEY_OPTIONS: readonly string[] = ['kid', 'algorithm'];
const RSA_ALGORITHMS: readonly Algorithm[] = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const);
const HASH_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** How `node:crypto` is called for one algorithm with one key, worked out once. */
interface Operation {
  readonly digest: string | null;
  readonly signatureBytes: number;
  readonly verifyKey: KeyObject | { key: KeyObject; dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number };
  readonly signKey: KeyObject | { key: KeyObject; dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number } | undefined;
}

/**
 * An imported asymmetric key: a public key verifies, a private key signs (and verifies with its
 * public half). Make one with {@link importKey}.
 */
export class AsymmetricKey {
  /** The public key. */
  readonly publicKey: KeyObject;
  /** The private key, when this key can sign. */
  readonly privateKey: KeyObject | undefined;
  /** The algorithms this key serves, in {@link ALGORITHMS} order; the first is its default. */
  readonly algorithms: readonly Algorithm[];
  /** The key id, if any. */
  readonly kid: string | undefined;
  readonly #operations = new Map<Algorithm, Operation>();

  /**
   * Prefer {@link importKey}, which reads PEM and JWK and checks the arguments too.
   * @throws {TypeError} When an algorithm does not suit the public key.
   */
  constructor(publicKey: KeyObject, privateKey: KeyObject | undefined, algorithms: readonly Algorithm[], kid: string | undefined) {
    const allowed = algorithmsForKeyObject(publicKey);
    if (algorithms.length === 0 || !algorithms.every((alg) => allowed.includes(alg))) {
      throw new TypeError(`algorithms must be some of ${allowed.join(', ')} for this key`);
    }
    this.publicKey = publicKey;
    this.privateKey = privateKey;
    this.algorithms = Object.freeze([...algorithms]);
    this.kid = kid;
  }

  /**
   * Whether this key serves `alg`.
   *
   * @example key.supports("ES256")
   */
  supports(alg: string): boolean {
    return (this.algorithms as readonly string[]).includes(alg);
  }

  /**
   * Signs the JWS signing input and returns the base64url signature.
   *
   * @example key.sign("EdDSA", `${header}.${payload}`)
   * @throws {TypeError} When the key is public only or does not serve `alg`.
   */
  sign(alg: Algorithm, signingInput: string): string {
    const op = this.#operation(alg);
    if (op.signKey === undefined) throw new TypeError('a public key cannot sign; give the private key');
    return encodeBase64url(cryptoSign(op.digest, Buffer.from(signingInput, 'utf8'), op.signKey));
  }

  /**
   * Checks a base64url signature over the signing input. A signature that is not canonical
   * base64url or not exactly the algorithm's length is false before any crypto runs.
   *
   * @example key.verify("ES256", signingInput, signatureSegment)
   * @throws {TypeError} When the key does not serve `alg`.
   */
  verify(alg: Algorithm, signingInput: string, signature: string): boolean {
    const op = this.#operation(alg);
    if (signature.length !== Math.ceil((op.signatureBytes * 4) / 3)) return false;
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64url(signature);
    } catch {
      return false;
    }
    try {
      return cryptoVerify(op.digest, Buffer.from(signingInput, 'utf8'), op.verifyKey, bytes);
    } catch {
      // Whatever the platform refuses to check is not a valid signature, never a crash.
      return false;
    }
  }

  #operation(alg: Algorithm): Operation {
    const cached = this.#operations.get(alg);
    if (cached !== undefined) return cached;
    if (!this.supports(alg)) throw new TypeError(`this key does not serve ${alg}; it serves ${this.algorithms.join(', ')}`);
    const op = makeOperation(alg, this.publicKey, this.privateKey);
    this.#operations.set(alg, op);
    return op;
  }
}

function makeOperation(alg: Algorithm, publicKey: KeyObject, privateKey: KeyObject | undefined): Operation {
  if (alg === 'EdDSA') {
    // RFC 8037 section 3.1: Ed25519 hashes internally; node:crypto takes a null digest.
    return { digest: null, signatureBytes: ED25519_SIGNATURE_BYTES, verifyKey: publicKey, signKey: privateKey };
  }
  const digest = digestOf(alg);
  if (alg.startsWith('ES')) {
    const { signatureBytes } = ECDSA_CURVES[alg as keyof typeof ECDSA_CURVES];
    const with1363 = (key: KeyObject) => ({ key, dsaEncoding: 'ieee-p1363' as const });
    return { digest, signatureBytes, verifyKey: with1363(publicKey), signKey: privateKey && with1363(privateKey) };
  }
  // RSA: the signature is as long as the modulus (RFC 8017 section 8.1.2 / 8.2.2).
  const signatureBytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const padding = alg.startsWith('PS')
    ? // RFC 7518 section 3.5: MGF1 with the same hash, salt as long as the hash output.
      { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[digest]! }
    : { padding: constants.RSA_PKCS1_PADDING };
  return { digest, signatureBytes, verifyKey: { key: publicKey, ...padding }, signKey: privateKey && { key: privateKey, ...padding } };
}

/**
 * The algorithms a key's type allows: Ed25519 -> EdDSA; P-256/384/521 -> ES256/384/512;
 * RSA of 2048 bits or more -> RS* and PS*.
 *
 * @example algorithmsForKeyObject(publicKey) // ["EdDSA"]
 * @throws {TypeError} For any other key type or curve.
 * @throws {RangeError} For an RSA key under 2048 bits.
 */
export function algorithmsForKeyObject(key: KeyObject): readonly Algorithm[] {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return ['EdDSA'];
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    for (const alg of ['ES256', 'ES384', 'ES512'] as const) if (ECDSA_CURVES[alg].curve === curve) return [alg];
    throw new TypeError('EC key curve is not supported; use P-256 (ES256), P-384 (ES384) or P-521 (ES512)');
  }
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_MODULUS_BITS) throw new RangeError(`RSA key is ${bits} bits; RS*/PS* need at least ${MIN_RSA_MODULUS_BITS} (RFC 7518 section 3.3)`);
    return RSA_ALGORITHMS;
  }
  if (type === 'rsa-pss') throw new TypeError('RSA-PSS-only keys are not supported; a plain RSA key serves PS256/384/512');
  throw new TypeError(`key type ${String(type)} is not supported; use Ed25519, EC P-256/384/521 or RSA`);
}

/**
 * Imports an asymmetric key given as a `KeyObject`, a PEM string (SPKI, PKCS#8, PKCS#1 or a
 * certificate) or a JWK object, and binds it to the algorithms its type allows.
 *
 * @example const key = importKey(readFileSync("private.pem", "utf8"), { kid: "2026-11" })
 * @throws {TypeError} When the input is not a key, is a secret (use an HMAC secret for HS*),
 *   has an unsupported type or curve, or `algorithm` does not suit it.
 * @throws {RangeError} When an RSA key is under 2048 bits.
 */
export function importKey(input: AsymmetricKeyInput | string, options: ImportKeyOptions = {}): AsymmetricKey {
  if (typeof options !== 'object' || options === null) throw new TypeError('importKey options must be an object');
  assertKnownOptions(options, IMPORT_KEY_OPTIONS, 'importKey options');
  if (input instanceof AsymmetricKey) {
    if (options.kid === undefined && options.algorithm === undefined) return input;
    return bind(input.publicKey, input.privateKey, options.algorithm, options.kid ?? input.kid, input.algorithms);
  }
  let keyObject: KeyObject;
  let jwkAlg: unknown;
  let jwkKid: unknown;
  if (input instanceof KeyObject) {
    keyObject = input;
  } else if (typeof input === 'string') {
    keyObject = parsePem(input);
  } else if (typeof input === 'object' && input !== null && typeof (input as Jwk).kty === 'string') {
    keyObject = parseJwk(input as Jwk);
    jwkAlg = (input as Jwk).alg;
    jwkKid = (input as Jwk).kid;
  } else {
    throw new TypeError('key must be a KeyObject, a PEM string or a JWK object');
  }
  if (keyObject.type === 'secret') throw new TypeError('a secret key is not an asymmetric key; pass HMAC secrets as bytes or a string');
  if (jwkKid !== undefined && typeof jwkKid !== 'string') throw new TypeError('JWK "kid" must be a string');
  if (jwkAlg !== undefined && options.algorithm === undefined) assertAlgorithm(jwkAlg, 'JWK "alg"');
  const privateKey = keyObject.type === 'private' ? keyObject : undefined;
  const publicKey = privateKey === undefined ? keyObject : createPublicKey(privateKey);
  return bind(publicKey, privateKey, options.algorithm ?? (jwkAlg as Algorithm | undefined), options.kid ?? (jwkKid as string | undefined), undefined);
}

function bind(publicKey: KeyObject, privateKey: KeyObject | undefined, algorithm: Algorithm | undefined, kid: string | undefined, known: readonly Algorithm[] | undefined): AsymmetricKey {
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) throw new TypeError('kid must be a non-empty string');
  const allowed = known ?? algorithmsForKeyObject(publicKey);
  if (algorithm === undefined) return new AsymmetricKey(publicKey, privateKey, allowed, kid);
  assertAlgorithm(algorithm, 'algorithm');
  if (!allowed.includes(algorithm)) throw new TypeError(`algorithm ${algorithm} does not suit this key; it serves ${allowed.join(', ')}`);
  return new AsymmetricKey(publicKey, privateKey, [algorithm], kid);
}

function parsePem(text: string): KeyObject {
  const pem = text.replace(/^\ufeff/, '').trim();
  if (!pem.startsWith('-----BEGIN ')) throw new TypeError('key string must be PEM (-----BEGIN ...); HMAC secrets are not keys here');
  const isPrivate = /^-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem);
  try {
    return isPrivate ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    // The platform's message is not quoted: it could echo parts of the input.
    throw new TypeError(`key is not a valid PEM ${isPrivate ? 'private' : 'public'} key`);
  }
}

function parseJwk(jwk: Jwk): KeyObject {
  if (jwk.kty === 'oct') throw new TypeError('a JWK of kty "oct" is an HMAC secret, not an asymmetric key');
  const isPrivate = Object.hasOwn(jwk, 'd');
  try {
    return isPrivate
      ? createPrivateKey({ key: jwk as NodeJsonWebKey, format: 'jwk' })
      : createPublicKey({ key: jwk as NodeJsonWebKey, format: 'jwk' });
  } catch {
    throw new TypeError(`JWK is not a valid ${isPrivate ? 'private' : 'public'} key of a supported type (kty ${JSON.stringify(String(jwk.kty)).slice(0, 20)})`);
  }
}
