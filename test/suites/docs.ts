// `npm test`: the test/docs/*.test.ts files, in one process. Static imports, so every
// file's tests are registered before the first one runs (docs/testing.md); test/docs/suites.test.ts
// checks that every in-process test file is listed in exactly one suite.
import '../docs/architecture.test.ts';
import '../docs/docs-links.test.ts';
import '../docs/docs-messages.test.ts';
import '../docs/docs-options.test.ts';
import '../docs/examples.test.ts';
import '../docs/install.test.ts';
import '../docs/operations-docs.test.ts';
import '../docs/readme.test.ts';
import '../docs/suites.test.ts';
