// `npm test`: half of the test/server/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../server/login/counter-store.test.ts';
import '../server/process/graceful-shutdown.test.ts';
import '../server/ops/log-writer.test.ts';
import '../server/ops/metrics-registry.test.ts';
import '../server/http/protected-fast-path.test.ts';
import '../server/ops/request-id.test.ts';
import '../server/http/rotation-routes.test.ts';
import '../server/http/server-algorithms.test.ts';
import '../server/http/server-edge.test.ts';
import '../server/ops/server-metrics.test.ts';
import '../server/http/server-routes.test.ts';
import '../server/process/redis-settings.test.ts';
import '../server/http/sessions-routes.test.ts';
import '../server/process/state-redis.test.ts';
