/**
 * `npm run state -- check <dir>` and `npm run state -- repair <dir>`: the DATA_DIR journal checked
 * or repaired offline (docs/state.md, "When the journal is damaged"). `check` reads only and exits
 * 0 when the server would open the journal, 1 when it would refuse (damage, a newer format); the
 * torn end of a crash is reported but harmless. `repair` takes the directory's lock (stop the
 * server first), keeps every readable line, says what it dropped and where the old file is kept.
 * Example server only; the work is the library's (`FileRevocationStore.check`/`.repair`).
 */
import { FileRevocationStore, type JournalReport } from '../../lib/authx/state/file-revocation-store.ts';

const USAGE = 'usage: npm run state -- check <DATA_DIR>\n       npm run state -- repair <DATA_DIR>\n';

/** A sink for the CLI's lines. */
interface Out {
  write(text: string): unknown;
}

/**
 * Runs one command and answers its exit code: 0 sound (or repaired), 1 damaged or failed, 2 usage.
 *
 * @example process.exitCode = await runStateCli(['check', './data'], process.stdout, process.stderr)
 * @throws Never.
 */
export async function runStateCli(args: readonly string[], out: Out, err: Out): Promise<number> {
  const [command, directory, ...rest] = args;
  if ((command !== 'check' && command !== 'repair') || directory === undefined || directory === '' || rest.length > 0) {
    err.write(USAGE);
    return 2;
  }
  try {
    if (command === 'check') {
      const report = await FileRevocationStore.check(directory);
      out.write(describe(report));
      if (report.damage.length > 0) {
        out.write(`the server refuses to start on this journal: stop it if it runs, then run npm run state -- repair ${directory}\n`);
        return 1;
      }
      out.write('sound: the server opens this journal\n');
      return 0;
    }
    const repair = await FileRevocationStore.repair(directory);
    out.write(describe(repair));
    if (!repair.repaired) {
      out.write('nothing to repair; the journal is unchanged\n');
      return 0;
    }
    const dropped = repair.damage.reduce((sum, d) => sum + d.length, 0) + repair.tornBytes;
    out.write(`repaired: kept ${repair.lines} line(s) holding ${repair.records} record(s); dropped ${repair.damage.length} damaged line(s) and ${repair.tornBytes} torn byte(s), ${dropped} byte(s) in all\n`);
    out.write(`the old journal is kept as ${repair.backup}\n`);
    return 0;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    err.write(`state ${command}: ${typeof message === 'string' ? message : String(error)}${typeof code === 'string' && !String(message).includes(code) ? ` (${code})` : ''}\n`);
    return 1;
  }
}

function describe(report: JournalReport): string {
  if (!report.exists) return `${report.path}: no journal (an empty state)\n`;
  const lines = [`${report.path}: format ${report.version}, ${report.size} bytes, ${report.lines} line(s) holding ${report.records} record(s)`];
  for (const d of report.damage) lines.push(`  damaged line at byte ${d.offset} (${d.length} bytes): ${d.reason}`);
  if (report.tornBytes > 0) lines.push(`  torn last write: ${report.tornBytes} byte(s) at the end (a crash mid-write; cut off at the next open)`);
  return `${lines.join('\n')}\n`;
}
