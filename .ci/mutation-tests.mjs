// The command Stryker's command runner starts for each mutant (`npm run mutate`, .ci/mutate).
// Stryker names the active mutant in __STRYKER_ACTIVE_MUTANT__; this finds which lib/core file
// holds it (the instrumented sources in Stryker's sandbox carry every mutant id) and runs only
// the test files of that file, in this one process (no `node --test` child per file). Without
// an active mutant (Stryker's first, unmutated run) it runs every mapped test file.
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Source file -> the fastest test files that exercise it (test/core/ mirrors lib/core/). Kept
 * lean on purpose: every mutant pays for every file listed here.
 */
const JWT = ['jwt-verify', 'jwt-sign', 'jwt-guards', 'jwt-vectors', 'jwt-hmac-algorithms', 'jwt-asymmetric', 'claims', 'constant-time'];
const TESTS = {
  'base64url.ts': ['base64url'],
  'constant-time.ts': ['constant-time'],
  'hmac.ts': ['hmac', 'hmac-sha384-sha512', 'constant-time'],
  'option-names.ts': ['option-names'],
  'secret.ts': ['secret', 'jwt-hmac-algorithms'],
  'secret-cache.ts': ['secret', 'jwt-hmac-algorithms'],
  'keyring.ts': ['keyring', 'jwt-hmac-algorithms', 'jwt-asymmetric'],
  'duration.ts': ['duration', 'jwt-sign', 'claims'],
  'claims.ts': ['claims', 'jwt-verify', 'option-names'],
  'header.ts': ['header-guards', 'jwt-verify', 'jwt-sign', 'jwt-hmac-algorithms', 'jwt-asymmetric'],
  'json-segment.ts': ['jwt-verify', 'claims'],
  'errors.ts': ['errors-guards'],
  'jwt.ts': JWT,
  'algorithms.ts': ['algorithms-guards', 'jwt-hmac-algorithms', 'jwt-asymmetric'],
  'keys.ts': ['keys-guards', 'jwt-hmac-algorithms', 'jwt-asymmetric', 'constant-time'],
  'asymmetric-key.ts': ['asymmetric-key-guards', 'jwt-asymmetric', 'jwk-jwks'],
  'jwk.ts': ['jwk-guards', 'jwk-jwks', 'jwt-asymmetric'],
  'jwks.ts': ['jwks-guards', 'jwk-jwks'],
};

const active = process.env.__STRYKER_ACTIVE_MUTANT__;
// .ci/recheck-survivors.mjs names the mutated file itself.
const named = process.env.MUTATED_FILE;
let names;
if (named !== undefined) {
  names = TESTS[named] ?? [...new Set(Object.values(TESTS).flat())];
} else if (active === undefined) {
  names = [...new Set(Object.values(TESTS).flat())];
} else {
  const marker = `("${active}")`;
  const file = readdirSync('lib/core').find((name) => name.endsWith('.ts') && readFileSync(`lib/core/${name}`, 'utf8').includes(marker));
  names = (file && TESTS[file]) ?? [...new Set(Object.values(TESTS).flat())];
}
for (const name of names) {
  const path = `test/core/${name}.test.ts`;
  try {
    readFileSync(path);
  } catch {
    continue; // a mapped test file that does not exist (yet)
  }
  await import(pathToFileURL(path).href);
}
