/**
 * Public JWK export (RFC 7517 section 4, RFC 7518 section 6, RFC 8037 section 2) and JWK
 * thumbprints (RFC 7638), used as `kid`. Exported by `authx-node/core`.
 */
import { createHash } from 'node:crypto';
import { AsymmetricKey, importKey, type AsymmetricKeyInput, type Jwk } from './asymmetric-key.ts';
import { assertKnownOptions } from './option-names.ts';

/**
 * The members of each key type that a thumbprint hashes, in lexicographic order (RFC 7638
 * section 3.2; RFC 8037 section 2 for OKP).
 */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
});

/**
 * The RFC 7638 SHA-256 thumbprint of a public key, base64url: the same for the key's public and
 * private JWK, and a stable `kid`.
 *
 * @example jwkThumbprint(publicKey) // "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" for RFC 8037 A.1
 * @throws {TypeError} When the key is not a supported asymmetric key.
 */
export function jwkThumbprint(key: AsymmetricKeyInput): string {
  const jwk = (key instanceof AsymmetricKey ? key : importKey(key)).publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (members === undefined) throw new TypeError('thumbprints cover EC, OKP and RSA keys');
  // RFC 7638 section 3.3: required members only, sorted, no white space; the values here are
  // base64url or fixed names, so JSON.stringify adds no escaping that could differ.
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** Options of {@link exportPublicJwk}. */
export interface ExportJwkOptions {
  /** The `kid`; default the key's own, else its RFC 7638 thumbprint. */
  kid?: string;
}

/**
 * The public JWK of a key, for a JWK Set: public members only, with `kid` (default the RFC 7638
 * thumbprint), `use: "sig"` and `alg` when the key serves exactly one algorithm.
 *
 * @example exportPublicJwk(privateKey) // { kty: "OKP", crv: "Ed25519", x: "...", kid: "...", use: "sig", alg: "EdDSA" }
 * @throws {TypeError} When the key is not a supported asymmetric key or an option is unknown.
 */
export function exportPublicJwk(key: AsymmetricKeyInput, options: ExportJwkOptions = {}): Jwk {
  assertKnownOptions(options, ['kid'], 'exportPublicJwk options');
  const imported = key instanceof AsymmetricKey ? key : importKey(key);
  const jwk = imported.publicKey.export({ format: 'jwk' }) as Jwk;
  const kid = options.kid ?? imported.kid ?? jwkThumbprint(imported);
  if (typeof kid !== 'string' || kid === '') throw new TypeError('kid must be a non-empty string');
  const out: Jwk = { ...jwk, kid, use: 'sig' };
  if (imported.algorithms.length === 1) out.alg = imported.algorithms[0]!;
  return out;
}
