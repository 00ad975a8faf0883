/**
 * Scope checks. A token's `scopes` claim is an array of strings; a granted scope ending in `:*`
 * covers its namespace: `admin:*` covers `admin`, `admin:users` and `admin:users:edit`, but not
 * `administrator`. A bare `*` is an ordinary scope name, not a master key.
 */

/** Whether every required scope must be granted, or at least one. */
export type ScopeMatch = 'all' | 'any';

// RFC 6749 section 3.3 scope-token: %x21 / %x23-5B / %x5D-7E (no space, quote or backslash).
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Whether a scope name is a valid RFC 6749 scope-token.
 *
 * @example isScopeToken("admin:users") // true
 * @throws Never.
 */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value);
}

/**
 * Checks a list of scopes given by the program (creation or a route's requirement).
 *
 * @example assertScopeList(["read", "admin:*"], "scopes")
 * @throws {TypeError} When the value is not an array of scope-tokens; the message names `name`.
 */
export function assertScopeList(value: unknown, name: string): asserts value is readonly string[] {
  if (!Array.isArray(value) || !value.every(isScopeToken)) {
    throw new TypeError(`${name} must be an array of scope names without spaces, quotes or backslashes`);
  }
}

/**
 * Whether one granted scope covers one required scope.
 *
 * @example scopeCovers("admin:*", "admin:users") // true
 * @throws Never.
 */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === required) return true;
  if (granted.length < 3 || !granted.endsWith(':*')) return false;
  const namespace = granted.slice(0, -2);
  return required === namespace || (required.length > namespace.length + 1 && required.startsWith(`${namespace}:`));
}

/**
 * Whether the granted scopes satisfy the required ones. An empty requirement is always met.
 *
 * @example hasScopes(["read", "admin:*"], ["admin:users"], "all") // true
 * @throws Never.
 */
export function hasScopes(granted: readonly string[], required: readonly string[], match: ScopeMatch): boolean {
  if (required.length === 0) return true;
  const covered = (scope: string): boolean => granted.some((g) => scopeCovers(g, scope));
  return match === 'all' ? required.every(covered) : required.some(covered);
}
