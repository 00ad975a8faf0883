// `npm test`: half of the test/server/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../server/counter-store.test.ts';
import '../server/graceful-shutdown.test.ts';
import '../server/log-writer.test.ts';
import '../server/metrics-registry.test.ts';
import '../server/protected-fast-path.test.ts';
import '../server/request-id.test.ts';
import '../server/rotation-routes.test.ts';
import '../server/server-algorithms.test.ts';
import '../server/server-edge.test.ts';
import '../server/server-metrics.test.ts';
import '../server/server-routes.test.ts';
import '../server/state-redis.test.ts';
