// `npm test`: the test/core/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../core/algorithms-guards.test.ts';
import '../core/asymmetric-key-guards.test.ts';
import '../core/base64url.test.ts';
import '../core/boundary.test.ts';
import '../core/claims.test.ts';
import '../core/constant-time.test.ts';
import '../core/duration.test.ts';
import '../core/errors-guards.test.ts';
import '../core/header-guards.test.ts';
import '../core/hmac-sha384-sha512.test.ts';
import '../core/hmac.test.ts';
import '../core/jwk-guards.test.ts';
import '../core/jwk-jwks.test.ts';
import '../core/jwks-guards.test.ts';
import '../core/jwt-asymmetric.test.ts';
import '../core/jwt-guards.test.ts';
import '../core/jwt-hmac-algorithms.test.ts';
import '../core/jwt-interop.test.ts';
import '../core/jwt-sign.test.ts';
import '../core/jwt-vectors.test.ts';
import '../core/jwt-verify.test.ts';
import '../core/keyring.test.ts';
import '../core/keys-guards.test.ts';
import '../core/option-names.test.ts';
import '../core/secret.test.ts';
