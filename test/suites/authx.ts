// `npm test`: the test/authx/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../authx/authx-algorithms.test.ts';
import '../authx/config/authx-config.test.ts';
import '../authx/authx-keys-clock.test.ts';
import '../authx/authx-request.test.ts';
import '../authx/authx-tokens.test.ts';
import '../authx/authx-verify.test.ts';
import '../authx/http/body.test.ts';
import '../authx/http/cookies.test.ts';
import '../authx/http/csrf.test.ts';
import '../authx/adapters/express-adapter.test.ts';
import '../authx/adapters/fastify-adapter.test.ts';
import '../authx/adapters/fetch-adapter.test.ts';
import '../authx/state/contract-edges.test.ts';
import '../authx/state/file-revocation-store.test.ts';
import '../authx/state/file-store-faults.test.ts';
import '../authx/state/journal.test.ts';
import '../authx/state/memory-store-table.test.ts';
import '../authx/adapters/hono-adapter.test.ts';
import '../authx/http/http-errors.test.ts';
import '../authx/http/implicit-refresh.test.ts';
import '../authx/http/json-syntax-error.test.ts';
import '../authx/option-names.test.ts';
import '../authx/keys/remote-jwks.test.ts';
import '../authx/http/request-token-sync.test.ts';
import '../authx/state/revocation-model.test.ts';
import '../authx/state/revocation-stores.test.ts';
import '../authx/state/redis-faults.test.ts';
import '../authx/state/redis-parts.test.ts';
import '../authx/state/revocation.test.ts';
import '../authx/state/sqlite-revocation-store.test.ts';
import '../authx/tokens/rotation.test.ts';
import '../authx/tokens/sessions.test.ts';
import '../authx/typed-claims.test.ts';
import '../authx/units.test.ts';
import '../authx/adapters/websocket-adapter.test.ts';
