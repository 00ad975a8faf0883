/**
 * Runs Prometheus's own linter, `promtool check metrics`, over an exposition text. A missing
 * promtool is a failure, never a skip: install it with `apt-get install prometheus` (.ci/run
 * does).
 */
import { spawn } from 'node:child_process';

/** What promtool said: its exit code and everything it printed. */
export interface PromtoolResult {
  code: number | null;
  output: string;
}

/** Pipes `text` into `promtool check metrics`; rejects when promtool cannot be started. */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`promtool could not be run (${error.code ?? error.message}); install the Debian package "prometheus"`)),
    );
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.on('error', () => {}); // promtool may exit before reading everything
    child.stdin.end(text);
  });
}
