/**
 * Checking an options object by name: an option the library does not know is a `TypeError`,
 * never silently ignored, because a misspelt security option (`audiance`, `requiredScope`)
 * would otherwise turn its check off. Not an RFC matter. Internal to `lib/`: used by the core
 * and the AuthX layer, not exported from `authx-node` or `authx-node/core`.
 */

/** How far (in edits) an unknown name may be from a known one to be suggested... */
const MAX_SUGGESTION_DISTANCE = 2;
/** ...or from a long one (10+ characters), where a plural (`trustProxies`) costs three. */
const MAX_LONG_SUGGESTION_DISTANCE = 3;
const LONG_NAME = 10;
/** Unknown names are quoted at most this long, so a huge key cannot flood a log. */
const MAX_QUOTED_NAME = 64;

/**
 * Throws unless every own enumerable key of `options` is one of `known`. `undefined` (options
 * left out) passes; anything else that is not an object is refused.
 *
 * The message names the unknown key and, when one is close (case, `_`/`-` and a `JWT_` prefix
 * ignored, then at most two edits, three for long names), the option it probably meant. `aliases` maps foreign names
 * (Python AuthX's `JWT_TOKEN_LOCATION`) to the option that replaces them here, or to a sentence
 * saying why there is none.
 *
 * @example assertKnownOptions(options, ['audience', 'issuer'], 'verifyJwt options')
 * @throws {TypeError} When `options` is not an object, or has a key not in `known`, e.g.
 *   `verifyJwt options: unknown option "audiance"; did you mean "audience"?`
 */
export function assertKnownOptions(
  options: object | undefined,
  known: readonly string[],
  context: string,
  aliases?: Readonly<Record<string, string>>,
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${context} must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(unknownOptionMessage(key, known, context, aliases));
  }
}

/**
 * The message {@link assertKnownOptions} throws for one unknown key.
 *
 * @example unknownOptionMessage('tokenLocations', ['tokenLocation'], 'AuthX config')
 * @throws Never.
 */
export function unknownOptionMessage(
  key: string,
  known: readonly string[],
  context: string,
  aliases?: Readonly<Record<string, string>>,
): string {
  const quoted = JSON.stringify(key.length > MAX_QUOTED_NAME ? `${key.slice(0, MAX_QUOTED_NAME)}...` : key);
  const head = `${context}: unknown option ${quoted}`;
  const alias = aliases !== undefined && Object.hasOwn(aliases, key) ? aliases[key] : undefined;
  if (alias !== undefined) {
    return known.includes(alias) ? `${head}; AuthX's ${key} is "${alias}" here` : `${head}; ${alias}`;
  }
  const suggestion = closestName(key, known);
  return suggestion === undefined ? `${head}; known options: ${known.join(', ')}` : `${head}; did you mean "${suggestion}"?`;
}

/**
 * The known name closest to `name`, or `undefined` when none is within two edits (three when
 * either name has 10 or more characters).
 *
 * @example closestName('audiance', ['audience', 'issuer']) // "audience"
 * @throws Never.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (name.length > MAX_QUOTED_NAME) return undefined;
  const wanted = normalize(name);
  let best: string | undefined;
  let bestDistance = MAX_LONG_SUGGESTION_DISTANCE + 1;
  for (const candidate of known) {
    const normalized = normalize(candidate);
    const long = Math.max(wanted.length, normalized.length) >= LONG_NAME;
    const limit = Math.min(bestDistance, (long ? MAX_LONG_SUGGESTION_DISTANCE : MAX_SUGGESTION_DISTANCE) + 1);
    const distance = editDistance(wanted, normalized, limit);
    if (distance < limit) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `JWT_TOKEN_LOCATION`, `token_location` and `TokenLocation` all become `tokenlocation`. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/^jwt_/, '').replace(/[_-]/g, '');
}

/**
 * Levenshtein distance, or `limit` as soon as it is certain to reach it (names are short; the
 * cut-off keeps a long key from costing a full table).
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length] ?? limit, limit);
}
