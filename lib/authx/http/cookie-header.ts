/**
 * Reading incoming `Cookie` headers (RFC 6265 section 5.4 format, parsed leniently as browsers
 * send it). Hostile input never throws: malformed pairs are skipped, and a value whose `%`
 * escapes are broken is kept as it was sent.
 */

/**
 * Parses a `Cookie` header into a map of name to value. The first occurrence of a name wins
 * (browsers list the most specific path first); pairs without `=` or with an empty name are
 * ignored; one pair of surrounding double quotes is removed; `%XX` escapes are decoded when they
 * are all valid.
 *
 * @example parseCookieHeader("a=1; b=2").get("b") // "2"
 * @throws Never.
 */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (typeof header !== 'string') return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = trimOws(pair.slice(0, eq));
    if (name === '' || cookies.has(name)) continue;
    cookies.set(name, cookieValue(pair.slice(eq + 1)));
  }
  return cookies;
}

/**
 * Finds one cookie without building a map (the common case on every request).
 *
 * @example getCookie(req.headers.cookie, "access_token_cookie")
 * @throws Never.
 */
export function getCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string' || !header.includes(name)) return undefined;
  let start = 0;
  // `eq` is the next `=` at or after `start`; it is searched again only once a pair passes it,
  // so the whole scan stays linear even for a header of many pairs without `=`.
  let eq = header.indexOf('=');
  while (start <= header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    if (eq !== -1 && eq < start) eq = header.indexOf('=', start);
    if (eq === -1) return undefined;
    if (eq < end && trimOws(header.slice(start, eq)) === name) return cookieValue(header.slice(eq + 1, end));
    start = end + 1;
  }
  return undefined;
}

function cookieValue(raw: string): string {
  let value = trimOws(raw);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return text.slice(start, end);
}
