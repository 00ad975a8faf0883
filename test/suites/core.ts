// `npm test`: every test/core/*.test.ts but the *.process.test.ts ones, in one process (test/helpers/suite.ts).
import { importTestFiles } from '../helpers/suite.ts';

await importTestFiles('core');
