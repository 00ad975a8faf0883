/**
 * Where and why a JSON text is invalid, without quoting it. V8's `SyntaxError` messages quote
 * the input (which may hold a password) and do not always give a position, so this small
 * scanner re-walks the text after `JSON.parse` has failed. Its messages and positions follow
 * Python's `json` module, which is what FastAPI reports in a `json_invalid` 422.
 */

/** Result of {@link describeJsonSyntaxError}. */
export interface JsonSyntaxErrorDescription {
  /** Zero-based offset in Unicode code points (Python's `JSONDecodeError.pos`). */
  position: number;
  /** Fixed text such as `Expecting value`; never contains any part of the input. */
  reason: string;
}

class JsonScanError extends Error {
  readonly at: number;
  constructor(reason: string, at: number) {
    super(reason);
    this.at = at;
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * Finds the first syntax error of a JSON text.
 *
 * @param text A text that `JSON.parse` refused.
 * @returns The position and a fixed reason; `{ position: 0, reason: 'Expecting value' }` if the
 *   scanner finds nothing wrong (which only happens if it and `JSON.parse` disagree).
 * @example describeJsonSyntaxError('{"a":}') // { position: 5, reason: 'Expecting value' }
 * @throws Never.
 */
export function describeJsonSyntaxError(text: string): JsonSyntaxErrorDescription {
  try {
    let at = scanValue(text, skipWhitespace(text, 0), 0);
    at = skipWhitespace(text, at);
    if (at < text.length) throw new JsonScanError('Extra data', at);
    return { position: 0, reason: 'Expecting value' };
  } catch (error) {
    if (!(error instanceof JsonScanError)) return { position: 0, reason: 'Expecting value' };
    return { position: codePointOffset(text, error.at), reason: error.message };
  }
}

/** Nesting deeper than this is reported instead of recursing further. */
const MAX_DEPTH = 512;

function skipWhitespace(text: string, at: number): number {
  while (at < text.length && WHITESPACE.has(text[at] as string)) at++;
  return at;
}

function scanValue(text: string, at: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new JsonScanError('Nesting too deep', at);
  const char = text[at];
  if (char === '{') return scanObject(text, at, depth + 1);
  if (char === '[') return scanArray(text, at, depth + 1);
  if (char === '"') return scanString(text, at);
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, at)) return at + literal.length;
  }
  NUMBER.lastIndex = at;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new JsonScanError('Expecting value', at);
}

function scanObject(text: string, at: number, depth: number): number {
  at = skipWhitespace(text, at + 1);
  if (text[at] === '}') return at + 1;
  for (;;) {
    if (text[at] !== '"') throw new JsonScanError('Expecting property name enclosed in double quotes', at);
    at = skipWhitespace(text, scanString(text, at));
    if (text[at] !== ':') throw new JsonScanError("Expecting ':' delimiter", at);
    at = skipWhitespace(text, scanValue(text, skipWhitespace(text, at + 1), depth));
    if (text[at] === '}') return at + 1;
    if (text[at] !== ',') throw new JsonScanError("Expecting ',' delimiter", at);
    at = skipWhitespace(text, at + 1);
  }
}

function scanArray(text: string, at: number, depth: number): number {
  at = skipWhitespace(text, at + 1);
  if (text[at] === ']') return at + 1;
  for (;;) {
    at = skipWhitespace(text, scanValue(text, at, depth));
    if (text[at] === ']') return at + 1;
    if (text[at] !== ',') throw new JsonScanError("Expecting ',' delimiter", at);
    at = skipWhitespace(text, at + 1);
  }
}

function scanString(text: string, start: number): number {
  let at = start + 1;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 0x22) return at + 1;
    if (code < 0x20) throw new JsonScanError('Invalid control character at', at);
    if (code === 0x5c) {
      const escape = text[at + 1];
      if (escape === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
          throw new JsonScanError('Invalid \\uXXXX escape', at + 1);
        }
        at += 6;
        continue;
      }
      if (escape === undefined) break;
      if (!ESCAPES.has(escape)) throw new JsonScanError('Invalid \\escape', at);
      at += 2;
      continue;
    }
    at++;
  }
  throw new JsonScanError('Unterminated string starting at', start);
}

function codePointOffset(text: string, utf16Offset: number): number {
  let points = 0;
  for (let i = 0; i < utf16Offset && i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < utf16Offset) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    points++;
  }
  return points;
}
