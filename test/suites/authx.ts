// `npm test`: the test/authx/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../authx/authx-algorithms.test.ts';
import '../authx/authx-config.test.ts';
import '../authx/authx-keys-clock.test.ts';
import '../authx/authx-request.test.ts';
import '../authx/authx-tokens.test.ts';
import '../authx/authx-verify.test.ts';
import '../authx/body.test.ts';
import '../authx/cookies.test.ts';
import '../authx/csrf.test.ts';
import '../authx/express-adapter.test.ts';
import '../authx/fastify-adapter.test.ts';
import '../authx/fetch-adapter.test.ts';
import '../authx/file-revocation-store.test.ts';
import '../authx/hono-adapter.test.ts';
import '../authx/http-errors.test.ts';
import '../authx/implicit-refresh.test.ts';
import '../authx/json-syntax-error.test.ts';
import '../authx/option-names.test.ts';
import '../authx/remote-jwks.test.ts';
import '../authx/request-token-sync.test.ts';
import '../authx/revocation-model.test.ts';
import '../authx/revocation-stores.test.ts';
import '../authx/revocation.test.ts';
import '../authx/rotation.test.ts';
import '../authx/typed-claims.test.ts';
import '../authx/websocket-adapter.test.ts';
