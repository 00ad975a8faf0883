/**
 * Writes the figures of a full `npm run bench` into docs/performance.md, between two markers,
 * so the page always shows one run's table as the bench printed it. The rest of the page (method,
 * explanations) is written by hand and left alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './processes.ts';

/** The markers around the section the bench owns. */
export const BEGIN_MARKER = '<!-- bench:begin (written by npm run bench; edits inside are overwritten) -->';
export const END_MARKER = '<!-- bench:end -->';

/**
 * Replaces the marked section of docs/performance.md with `section`, or appends the section
 * (with its markers) when the page has none yet. Returns the path written.
 *
 * @throws {Error} When the page has a begin marker without an end marker.
 */
export function writeDocsSection(section: string): string {
  const path = join(ROOT, 'docs', 'performance.md');
  const block = `${BEGIN_MARKER}\n${section.trim()}\n${END_MARKER}`;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `# Performance\n\n${block}\n`);
    return path;
  }
  const page = readFileSync(path, 'utf8');
  const begin = page.indexOf(BEGIN_MARKER);
  if (begin === -1) {
    writeFileSync(path, `${page.trimEnd()}\n\n${block}\n`);
    return path;
  }
  const end = page.indexOf(END_MARKER, begin);
  if (end === -1) throw new Error(`${path} has "${BEGIN_MARKER}" without "${END_MARKER}"`);
  writeFileSync(path, page.slice(0, begin) + block + page.slice(end + END_MARKER.length));
  return path;
}
