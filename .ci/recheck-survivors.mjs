// Re-tests the mutants a Stryker run left alive against today's tests, without re-running the
// thousands it already killed: `node .ci/recheck-survivors.mjs /path/to/mutation.json...`.
// Tests are only ever added between the two runs, so a mutant killed then is still killed; the
// survivors are the ones to look at again. For each surviving mutant of a report whose source is
// still byte-for-byte the file in lib/core/ (a changed file needs a new Stryker run, and is said
// so), this writes the mutated file, runs that file's test list from .ci/mutation-tests.mjs in a
// child process (killed after 30 s: a timeout counts as detected, as Stryker counts it), and puts
// the original back, also on Ctrl-C. Run it on Node >= 22.18 (the tests are TypeScript, stripped
// natively), on a clean lib/core/. Prints per-file scores and the mutants still alive.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const TIMEOUT_MS = 30_000;
const reports = process.argv.slice(2);
if (reports.length === 0) {
  console.error('usage: node .ci/recheck-survivors.mjs reports/mutation/mutation.json [...]');
  process.exit(2);
}
if (spawnSync('git', ['diff', '--quiet', '--', 'lib/core'], { stdio: 'inherit' }).status !== 0) {
  console.error('lib/core/ has uncommitted changes: commit or stash them first (this script rewrites its files)');
  process.exit(2);
}

let restore;
process.on('SIGINT', () => {
  restore?.();
  process.exit(130);
});

/** Offset in `text` of a Stryker location (1-based line and column). */
function offsetOf(text, { line, column }) {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

const rows = [];
const alive = [];
for (const report of reports) {
  const { files } = JSON.parse(readFileSync(report, 'utf8'));
  for (const [path, { source, mutants }] of Object.entries(files)) {
    const current = readFileSync(path, 'utf8');
    if (current !== source) {
      rows.push({ file: path, note: 'changed since the Stryker run: run Stryker on it again' });
      continue;
    }
    const survivors = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
    const detectedBefore = mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
    const counted = mutants.filter((m) => m.status !== 'CompileError' && m.status !== 'RuntimeError' && m.status !== 'Ignored').length;
    let killedNow = 0;
    for (const mutant of survivors) {
      const start = offsetOf(source, mutant.location.start);
      const end = offsetOf(source, mutant.location.end);
      restore = () => writeFileSync(path, source);
      writeFileSync(path, source.slice(0, start) + mutant.replacement + source.slice(end));
      let result;
      try {
        result = spawnSync(process.execPath, ['.ci/mutation-tests.mjs'], {
          env: { ...process.env, MUTATED_FILE: basename(path), NODE_OPTIONS: '' },
          stdio: 'ignore',
          timeout: TIMEOUT_MS,
        });
      } finally {
        restore();
        restore = undefined;
      }
      if (result.status !== 0) killedNow++;
      else alive.push(`${path}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName}: ${JSON.stringify(source.slice(start, end).slice(0, 80))} -> ${JSON.stringify(mutant.replacement.slice(0, 80))}`);
    }
    rows.push({ file: path, counted, detectedBefore, survivorsBefore: survivors.length, killedNow, score: (100 * (detectedBefore + killedNow)) / counted });
  }
}

let counted = 0;
let detected = 0;
for (const row of rows) {
  if (row.note !== undefined) {
    console.log(`${row.file}: ${row.note}`);
    continue;
  }
  counted += row.counted;
  detected += row.detectedBefore + row.killedNow;
  console.log(`${row.file}: ${row.score.toFixed(2)}% (${row.detectedBefore} detected by Stryker, ${row.killedNow} of its ${row.survivorsBefore} survivors killed now, of ${row.counted})`);
}
if (counted > 0) console.log(`all re-checked files: ${((100 * detected) / counted).toFixed(2)}% (${detected} of ${counted})`);
if (alive.length > 0) console.log(`\nstill alive (${alive.length}):\n${alive.join('\n')}`);
