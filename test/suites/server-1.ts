// `npm test`: half of the test/server/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../server/address-key.test.ts';
import '../server/fastapi-validation.test.ts';
import '../server/http-json.test.ts';
import '../server/login-throttle.test.ts';
import '../server/password.test.ts';
import '../server/readiness.test.ts';
import '../server/request-log.test.ts';
import '../server/rotation-shared-state.test.ts';
import '../server/server-config.test.ts';
import '../server/server-hardening.test.ts';
import '../server/server-ops.test.ts';
import '../server/state-cutoff.test.ts';
import '../server/user-store.test.ts';
