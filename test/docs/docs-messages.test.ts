/**
 * Messages quoted in README.md and docs/ must be messages the code has, so a page never quotes
 * an answer or an error the code stopped giving ("Too many token operations").
 *
 * What counts as a quoted message (outside ```ts blocks, which `test/docs/examples.test.ts` runs):
 * - the value of `"detail"`, `"message"` or `"msg"` in a JSON answer (`{"detail":"..."}`), and
 *   an `error_description="..."`, anywhere on the page (prose, tables, `sh` and `text` blocks);
 * - an inline code span of two words or more, starting with a letter, right after a word that
 *   says a message follows: "answers", "throws", "logs", "writes", "prints", "says", "refuses
 *   to start:", "message names the option (", "refused (401 ", "start-up line (", "events such
 *   as", "reported by a";
 * - an inline code span shaped like one of the server's log lines (a lower-case word, a colon,
 *   then three words or more, no `=`): `state: waiting for ...`, `log: N line(s) dropped`;
 * - in ```ts blocks, a comment that shows what is thrown: `// RangeError: secretKey is 9 bytes; ...`.
 * A value that is only a placeholder (`...`, `<what is wrong>`) is not a message.
 *
 * Matching: the code's strings are every string and template literal of lib/, server/ and
 * server.ts, with `+` chains joined (test/helpers/source-text.ts). A template's `${...}` matches
 * any text, so the docs may show a value (`16384`, `4242`) or a placeholder (`N`, `<fid>`,
 * `...`) there; a quote that ends in `...` or `(...)` may stop anywhere in the message. White
 * space is compared collapsed. A match must owe at least half of the quote's characters to the
 * code's literal text, so a template like `${name}: ${reason}` cannot match every quote with a
 * colon. {@link EXCEPTIONS} lists the quotes this cannot check, each with its reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { codeSpans, docPages, fencedBlocks, type Page } from '../helpers/markdown.ts';
import { codeFiles, literalTexts, type Pieces } from '../helpers/source-text.ts';

/** Quotes the rules above find but cannot match, with the reason each is right anyway. */
const EXCEPTIONS: Record<string, string> = {
  'DATA_DIR ./data: state directory ./data is in use by process 4242 (...)':
    'two strings composed: server/process/state.ts writes `DATA_DIR ${dataDir}: ${reason}. ...` with the DirectoryInUseError message of lib/authx/state/data-dir-lock.ts as reason',
};

const TRIGGER = /(?:\b(?:answers|answered|throws|logs|writes|prints|says(?: once on stderr)?|refuses to start:|reported by a)|message names the option \(|refused \(\d{3}|start-up line \(|events such as)\s*$/;
const LOG_LINE = /^[a-z]+(?: <[^>]+>)?: [^=\s]+(?: [^=\s]+){2,}$/;
/** Words, not a value: a letter first, then at least one more word (`TypeError`, `503`, `"token"` are values). */
const MESSAGE = /^[A-Za-z][^\s]*\s+\S/;
const PLACEHOLDER = /^(?:\.\.\.|…|<[^>]*>)$/;

/** A quoted message and where it is. */
interface Quote {
  text: string;
  where: string;
}

/** Every quoted message of a page, by the rules of this file's header. */
function quotes(page: Page): Quote[] {
  const found: Quote[] = [];
  const add = (text: string, line: number): void => {
    const clean = text.replace(/\\"/g, '"').replace(/\s+/g, ' ').trim();
    if (clean !== '' && !PLACEHOLDER.test(clean)) found.push({ text: clean, where: `${page.path}:${line}` });
  };
  // JSON answers and challenges anywhere but in ts blocks.
  const lines = page.text.split('\n');
  const tsLines = new Set(fencedBlocks(page.text, 'ts').flatMap(({ line, code }) => code.split('\n').map((_, i) => line + i)));
  lines.forEach((text, i) => {
    if (tsLines.has(i + 1)) return;
    for (const m of text.matchAll(/"(?:detail|message|msg)"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) add(m[1]!, i + 1);
    for (const m of text.matchAll(/error_description="([^"]*)"/g)) add(m[1]!, i + 1);
  });
  for (const span of codeSpans(page.text)) {
    if (span.code.startsWith('{') || /error_description=/.test(span.code)) continue; // JSON and challenges: above
    if ((TRIGGER.test(span.before) && MESSAGE.test(span.code)) || LOG_LINE.test(span.code)) add(span.code, span.line);
  }
  for (const { line, code } of fencedBlocks(page.text, 'ts')) {
    code.split('\n').forEach((text, i) => {
      const thrown = /\/\/\s*(?:[A-Z]\w*Error): (.+)$/.exec(text)?.[1];
      if (thrown !== undefined) add(thrown, line + i);
    });
  }
  return found;
}

/**
 * The characters of `quote` that `pieces` (a literal's text pieces, a hole between each two)
 * matches as literal text, or -1 when it does not match. With `truncated`, the quote may end
 * anywhere in the message.
 */
function literalMatch(pieces: Pieces, quote: string, truncated: boolean): number {
  const go = (i: number, pos: number): number => {
    const literal = pieces[i]!;
    for (let k = 0; k < literal.length; k++) {
      if (pos + k === quote.length) return truncated ? k : -1;
      if (quote[pos + k] !== literal[k]) return -1;
    }
    const after = pos + literal.length;
    if (i === pieces.length - 1) return after === quote.length ? literal.length : -1;
    if (after === quote.length) return truncated ? literal.length : -1;
    let best = -1;
    for (let next = after + 1; next <= quote.length; next++) {
      const rest = go(i + 1, next);
      if (rest >= 0) best = Math.max(best, literal.length + rest);
    }
    return best;
  };
  return go(0, 0);
}

/** The code's strings, white space collapsed, without the ones holding no words. */
function codeStrings(): Pieces[] {
  return codeFiles()
    .flatMap((file) => literalTexts(readFileSync(file, 'utf8')))
    .map((pieces) => {
      const collapsed = pieces.map((piece) => piece.replace(/\s+/g, ' '));
      collapsed[0] = collapsed[0]!.trimStart();
      collapsed[collapsed.length - 1] = collapsed.at(-1)!.trimEnd();
      return collapsed;
    })
    .filter((pieces) => /[A-Za-z]{2}/.test(pieces.join('')));
}

/** Whether the code can produce the quote. */
function inCode(quote: string, strings: readonly Pieces[]): boolean {
  const truncated = /\s*(?:\.\.\.|…|\(\.\.\.\))$/.test(quote);
  const text = quote.replace(/\s*(?:\.\.\.|…|\(\.\.\.\))$/, '');
  const needed = text.replace(/\.\.\.|<[^>]*>/g, '').length / 2;
  return strings.some((pieces) => literalMatch(pieces, text, truncated) >= needed);
}

const strings = codeStrings();
const pages = docPages();

test('every message the docs quote is one the code has', () => {
  const all = pages.flatMap(quotes);
  assert.ok(all.length > 30, `only ${all.length} quotes found`);
  const missing = all.filter((q) => !Object.hasOwn(EXCEPTIONS, q.text) && !inCode(q.text, strings)).map((q) => `${q.where}: "${q.text}"`);
  assert.deepEqual(missing, []);
  const unused = Object.keys(EXCEPTIONS).filter((text) => !all.some((q) => q.text === text));
  assert.deepEqual(unused, [], 'an exception no page needs any more');
});

test('the rules find quotes in JSON answers, after a trigger word, as log lines and in ts comments, and refuse a changed message', () => {
  const page: Page = {
    path: 'docs/example.md',
    text: [
      '| `POST /refresh` | 429 `{"detail":"Too many token operations; try again later"}` |',
      'An access token is refused (401 `A refresh token is required`); it logs `state: waiting for Redis (REDIS_URL not reachable); state routes answer 503 until it is`.',
      'A lost line is reported by a `log: N line(s) dropped` line, as `{"detail": "<what is wrong>"}` is no quote.',
      '```ts',
      "new AuthX({ secretKey: 'short' }); // RangeError: secretKey is 5 bytes; HS256 needs at least 32 ...",
      '```',
    ].join('\n'),
  };
  const found = quotes(page);
  assert.deepEqual(found.map((q) => q.text), [
    'Too many token operations; try again later',
    'A refresh token is required',
    'state: waiting for Redis (REDIS_URL not reachable); state routes answer 503 until it is',
    'log: N line(s) dropped',
    'secretKey is 5 bytes; HS256 needs at least 32',
  ].map((text, i) => (i === 4 ? `${text} ...` : text)));
  assert.deepEqual(found.filter((q) => !inCode(q.text, strings)).map((q) => q.text), ['Too many token operations; try again later']);
  assert.ok(inCode('Too many token refreshes; try again later', strings));
  assert.ok(!inCode('state: waiting for Redis (REDIS_URL not reachable)', strings), 'a quote cut short without ... is not the message');
  assert.ok(!inCode('secretKey is 5 bytes; HS256 needs at most 32 ...', strings));
  assert.ok(!inCode('Request body is larger than 16384 octets', strings));
  assert.ok(inCode('Request body is larger than 16384 bytes', strings));
  assert.ok(!inCode('DATA_DIR ./data: something else entirely, of a good length', strings), 'a template of mostly holes matches nothing');
});
