// `npm test`: half of the test/server/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../server/login/address-key.test.ts';
import '../server/http/fastapi-validation.test.ts';
import '../server/http/http-json.test.ts';
import '../server/login/login-throttle.test.ts';
import '../server/login/password.test.ts';
import '../server/ops/readiness.test.ts';
import '../server/ops/request-log.test.ts';
import '../server/http/rotation-shared-state.test.ts';
import '../server/process/server-config.test.ts';
import '../server/http/server-hardening.test.ts';
import '../server/ops/server-ops.test.ts';
import '../server/process/state-cutoff.test.ts';
import '../server/process/state-data-dir.test.ts';
import '../server/login/user-store.test.ts';
