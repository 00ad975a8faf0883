/**
 * Durations for token lifetimes: a number of seconds, or a string such as `"15m"`.
 */

/** A duration: whole or fractional seconds as a number, or `"<integer><unit>"` with unit s, m, h, d or w. */
export type Duration = number | string;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_PATTERN = /^(\d{1,9})\s?([smhdw])$/;

/**
 * Converts a duration to whole seconds (fractions are floored, as NumericDate claims are integers).
 * A bare number is always seconds; a string must carry a unit, so `"120"` is refused rather than
 * guessed (another library reads it as milliseconds).
 *
 * @param value The duration.
 * @param name The option name for error messages.
 * @example durationToSeconds("15m", "expiresIn") // 900
 * @throws {TypeError} When the value is neither a number nor a string of the accepted form.
 * @throws {RangeError} When the number is negative, NaN or infinite.
 */
export function durationToSeconds(value: Duration, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${name} must be a finite number of seconds >= 0, got ${String(value)}`);
    }
    return Math.floor(value);
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value);
    if (match) return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  }
  throw new TypeError(`${name} must be a number of seconds or a string such as "30s", "15m", "2h", "30d", "1w"`);
}
