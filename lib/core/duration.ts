/**
 * Durations for token lifetimes: a number of seconds, or a string such as `"15m"`. A bare number
 * that is plainly milliseconds is refused with the fix, since it would be read as a lifetime a
 * thousand times too long. Not an RFC matter; exported by `authx-node/core` (`durationToSeconds`).
 */

/** A duration: whole or fractional seconds as a number, or `"<integer><unit>"` with unit s, m, h, d or w. */
export type Duration = number | string;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_PATTERN = /^(\d{1,9})\s?([smhdw])$/;
/** Largest first: the unit a suggested string is written in. */
const UNITS: readonly (readonly [string, number])[] = [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
/** Down to minutes: a duration is humanized only past a minute (see millisecondsMessage). */
const UNIT_NAMES: readonly (readonly [string, number])[] = [['day', 86400], ['hour', 3600], ['minute', 60]];
/** More seconds than a year is no lifetime anyone writes as a number: it is milliseconds. */
const YEAR_SECONDS = 365 * 86400;
/** A whole number of minutes in milliseconds (900000 for 15 minutes) is plainly milliseconds too. */
const MINUTE_MS = 60_000;

/**
 * Converts a duration to whole seconds (fractions are floored, as NumericDate claims are integers).
 * A bare number is always seconds; a string must carry a unit, so `"120"` is refused rather than
 * guessed (another library reads it as milliseconds). A number that is plainly milliseconds
 * (more than a year of seconds, or a whole number of minutes written in milliseconds such as
 * `900000`) is refused too: a string with a unit says the same without doubt.
 *
 * @param value The duration.
 * @param name The option name for error messages.
 * @example durationToSeconds("15m", "expiresIn") // 900
 * @throws {TypeError} When the value is neither a number nor a string of the accepted form.
 * @throws {RangeError} When the number is negative, NaN, infinite or plainly milliseconds.
 */
export function durationToSeconds(value: Duration, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${name} must be a finite number of seconds >= 0, got ${String(value)}`);
    }
    if (value > YEAR_SECONDS || (value >= MINUTE_MS && value % MINUTE_MS === 0)) throw new RangeError(millisecondsMessage(value, name));
    return Math.floor(value);
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value);
    if (match) return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  }
  throw new TypeError(`${name} must be a number of seconds or a string such as "30s", "15m", "2h", "30d", "1w"`);
}

/**
 * The message for a number of seconds that is plainly milliseconds: both readings and the fix,
 * e.g. `accessTokenExpires is 900000: milliseconds? Durations are seconds here, so that is 10.4
 * days; for 15 minutes write 900 or "15m" (or "250h" if you do mean 10.4 days)`.
 */
function millisecondsMessage(value: number, name: string): string {
  // value is at least 60000 here, so this is at least a minute.
  const seconds = Math.round(value / 1000);
  const meant = unitString(seconds);
  const asSeconds = unitString(Math.floor(value));
  return `${name} is ${String(value)}: milliseconds? Durations are seconds here, so that is ${humanize(value)}; `
    + `for ${humanize(seconds)} write ${String(seconds)}${meant === undefined ? '' : ` or ${meant}`}`
    + (asSeconds === undefined ? '' : ` (or ${asSeconds} if you do mean ${humanize(value)})`);
}

/** `"15m"`: the duration string of whole seconds in the largest unit that divides them. */
function unitString(seconds: number): string | undefined {
  const [unit, size] = UNITS.find(([, s]) => seconds % s === 0)!;
  const count = seconds / size;
  return count < 1e9 ? `"${String(count)}${unit}"` : undefined;
}

/** `10.4 days`: seconds (at least a minute) in the largest unit they fill, to one decimal. */
function humanize(seconds: number): string {
  const [unit, size] = UNIT_NAMES.find(([, s]) => seconds >= s)!;
  const count = Math.round((seconds / size) * 10) / 10;
  return `${String(count)} ${unit}${count === 1 ? '' : 's'}`;
}
