// `npm test`: half of test/server/*.test.ts (every second file from the second), without the *.process.test.ts ones, in one process (test/helpers/suite.ts).
import { importTestFiles } from '../helpers/suite.ts';

await importTestFiles('server', { part: 1, parts: 2 });
