/** Reading a Prometheus text exposition in tests: series (name plus labels) to value. */

/** Every sample line of `text` as series -> value (comments skipped). */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = line.slice(space + 1);
    samples.set(line.slice(0, space), value === '+Inf' ? Infinity : Number(value));
  }
  return samples;
}

/** How much each series moved from `before` to `after` (series new in `after` start at 0). */
export function delta(before: Map<string, number>, after: Map<string, number>, series: string): number {
  return (after.get(series) ?? 0) - (before.get(series) ?? 0);
}
