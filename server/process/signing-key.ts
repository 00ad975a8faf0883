/**
 * The example server's signing key for an asymmetric `JWT_ALGORITHM` (EdDSA, ES256/384/512,
 * RS256/384/512, PS256/384/512; RFC 7518 section 3, RFC 8037): a PKCS#8 PEM private key read
 * from `JWT_PRIVATE_KEY_FILE`, its `kid` the RFC 7638 thumbprint, and the public JWK Set the
 * server publishes at `GET /.well-known/jwks.json`. Example server only; not part of the package.
 */
import { readFileSync } from 'node:fs';
import type { Algorithm } from '../../lib/core/algorithms.ts';
import { AsymmetricKey, importKey } from '../../lib/core/asymmetric-key.ts';
import { exportPublicJwk, jwkThumbprint } from '../../lib/core/jwk.ts';
import type { JwkSetDocument } from '../../lib/core/jwks.ts';

/** A private key ready to sign, and the JWK Set that publishes its public half. */
export interface ServerSigningKey {
  key: AsymmetricKey;
  jwks: JwkSetDocument;
}

/**
 * Reads and checks the private key for `algorithm`. Every problem is an `Error` whose message
 * names the variable and says what is wrong; the key's bytes never appear in it.
 *
 * @example readSigningKey("/run/secrets/jwt.pem", "EdDSA")
 * @throws {Error} When the file is unset, unreadable, not a PKCS#8 PEM private key, too weak, or
 *   of a type that does not serve `algorithm`.
 */
export function readSigningKey(file: string | undefined, algorithm: Algorithm): ServerSigningKey {
  if (file === undefined || file === '') {
    throw new Error(`JWT_ALGORITHM=${algorithm} needs JWT_PRIVATE_KEY_FILE: the path of a PKCS#8 PEM private key (e.g. openssl genpkey -algorithm ed25519 -out key.pem)`);
  }
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`JWT_PRIVATE_KEY_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!/^\s*-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem.replace(/^\ufeff/, ''))) {
    throw new Error('JWT_PRIVATE_KEY_FILE must hold a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
  let key: AsymmetricKey;
  try {
    const imported = importKey(pem);
    key = importKey(imported, { algorithm, kid: jwkThumbprint(imported) });
  } catch (error) {
    throw new Error(`JWT_PRIVATE_KEY_FILE: ${(error as Error).message}`);
  }
  return { key, jwks: { keys: [exportPublicJwk(key)] } };
}
