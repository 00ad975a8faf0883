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
/** A name inside a known one (or around it) is suggested from this many characters on. */
const MIN_CONTAINED = 4;
/** Unknown names are quoted at most this long, so a huge key cannot flood a log. */
const MAX_QUOTED_NAME = 64;

/**
 * Throws unless every own enumerable key of `options` is one of `known`. `undefined` (options
 * left out) passes; anything else that is not an object is refused.
 *
 * The message names the unknown key and, when one is close (case, `_`/`-` and a `JWT_` prefix
 * ignored, then at most two edits, three for long names, or one name inside the other), the
 * option it probably meant; otherwise it lists the known options. `aliases` maps
 * foreign names (Python AuthX's `JWT_TOKEN_LOCATION`, another library's `secret`) to the option
 * that replaces them here, or to a sentence saying why there is none.
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
 * The message {@link assertKnownOptions} throws for one unknown key: the known name it most
 * likely meant first, or, when none is close, every known name.
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
    if (!known.includes(alias)) return `${head}; ${alias}`;
    // Python AuthX's settings are named as such; other aliases are names from other libraries.
    return key.startsWith('JWT_') ? `${head}; AuthX's ${key} is "${alias}" here` : `${head}; did you mean "${alias}"?`;
  }
  const suggestion = closestName(key, known);
  return suggestion === undefined ? `${head}; known options: ${known.join(', ')}` : `${head}; did you mean "${suggestion}"?`;
}

/**
 * The known name closest to `name`: the nearest within two edits (three when either name has 10
 * or more characters), else the nearest known name that contains it or that it contains
 * (`secret` in `secretKey`, `maxAge` in `cookieMaxAge`; four characters at least), else
 * `undefined`.
 *
 * @example closestName('audiance', ['audience', 'issuer']) // "audience"
 * @throws Never.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (name.length > MAX_QUOTED_NAME) return undefined;
  const wanted = normalize(name);
  const candidates = ranked(wanted, known);
  const near = candidates.find((c) => c.distance <= (Math.max(wanted.length, c.normalized.length) >= LONG_NAME ? MAX_LONG_SUGGESTION_DISTANCE : MAX_SUGGESTION_DISTANCE));
  if (near !== undefined) return near.name;
  return candidates.find((c) => Math.min(wanted.length, c.normalized.length) >= MIN_CONTAINED && (c.normalized.includes(wanted) || wanted.includes(c.normalized)))?.name;
}

/** A known name with its normalized form and its distance from the unknown one. */
interface Ranked {
  name: string;
  normalized: string;
  distance: number;
}

/** The known names, nearest first (a stable sort: the first listed wins a tie). */
function ranked(wanted: string, known: readonly string[]): Ranked[] {
  return known
    .map((name) => {
      const normalized = normalize(name);
      return { name, normalized, distance: editDistance(wanted, normalized) };
    })
    .sort((a, b) => a.distance - b.distance);
}

/** `JWT_TOKEN_LOCATION`, `token_location` and `TokenLocation` all become `tokenlocation`. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/^jwt_/, '').replace(/[_-]/g, '');
}

/** Levenshtein distance (the unknown name is at most 64 characters here, known names are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
