/**
 * `lib/core/duration.ts`: a bare number is seconds, a string needs a unit, and a number that is
 * plainly milliseconds (more than a year of seconds, or a whole number of minutes written in
 * milliseconds) is a RangeError whose message gives both readings and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationToSeconds } from '../../lib/core/duration.ts';

const YEAR = 365 * 86400;

test('seconds as numbers and unit strings, fractions floored', () => {
  const cases: [number | string, number][] = [[0, 0], [59.9, 59], [900, 900], [86400, 86400], [2592000, 2592000], [YEAR, YEAR], ['15m', 900], ['1 w', 604800], ['999999999s', 999999999]];
  for (const [value, seconds] of cases) assert.equal(durationToSeconds(value, 'x'), seconds, String(value));
});

test('a whole number of minutes in milliseconds is refused with both readings and the fix', () => {
  assert.throws(() => durationToSeconds(900000, 'accessTokenExpires'), {
    name: 'RangeError',
    message: 'accessTokenExpires is 900000: milliseconds? Durations are seconds here, so that is 10.4 days; for 15 minutes write 900 or "15m" (or "250h" if you do mean 10.4 days)',
  });
  assert.throws(() => durationToSeconds(300000, 'delta'), {
    message: 'delta is 300000: milliseconds? Durations are seconds here, so that is 3.5 days; for 5 minutes write 300 or "5m" (or "5000m" if you do mean 3.5 days)',
  });
  assert.throws(() => durationToSeconds(60000, 'expiresIn'), {
    message: 'expiresIn is 60000: milliseconds? Durations are seconds here, so that is 16.7 hours; for 1 minute write 60 or "1m" (or "1000m" if you do mean 16.7 hours)',
  });
  assert.throws(() => durationToSeconds(2160000, 'refreshTokenExpires'), {
    message: 'refreshTokenExpires is 2160000: milliseconds? Durations are seconds here, so that is 25 days; for 36 minutes write 2160 or "36m" (or "25d" if you do mean 25 days)',
  });
  // Just off a whole minute in milliseconds, or under one minute: seconds as written.
  for (const seconds of [59999, 60001, 119999, 899999, 900001, 604800, 1209600, 7776000]) assert.equal(durationToSeconds(seconds, 'x'), seconds);
  // The strings for the same lifetimes are never doubted.
  assert.equal(durationToSeconds('250h', 'x'), 900000);
  assert.equal(durationToSeconds('25d', 'x'), 2160000);
});

test('more than a year of seconds is refused; exactly a year is not', () => {
  assert.equal(durationToSeconds(YEAR, 'x'), YEAR);
  assert.throws(() => durationToSeconds(YEAR + 1, 'maxTokenAge'), {
    name: 'RangeError',
    message: 'maxTokenAge is 31536001: milliseconds? Durations are seconds here, so that is 365 days; for 8.8 hours write 31536 or "31536s" (or "31536001s" if you do mean 365 days)',
  });
  assert.throws(() => durationToSeconds(86400000, 'expiresIn'), {
    message: 'expiresIn is 86400000: milliseconds? Durations are seconds here, so that is 1000 days; for 1 day write 86400 or "1d" (or "1000d" if you do mean 1000 days)',
  });
  // Too long to write with a unit in nine digits: only the milliseconds reading is offered.
  assert.throws(() => durationToSeconds(1e15 + 1, 'expiresIn'), {
    message: 'expiresIn is 1000000000000001: milliseconds? Durations are seconds here, so that is 11574074074.1 days; for 11574074.1 days write 1000000000000',
  });
  // Nine digits is the longest a duration string may be: one more and no string is offered.
  assert.throws(() => durationToSeconds(999_999_999, 'x'), { message: /write 1000000 or "1000000s" \(or "999999999s" if you do mean 11574\.1 days\)$/ });
  assert.throws(() => durationToSeconds(1_000_000_000, 'x'), { message: /write 1000000 or "1000000s"$/ });
  // Each unit where it fits exactly, and the readings at the unit boundaries.
  assert.throws(() => durationToSeconds(604_800_000, 'x'), { message: /so that is 7000 days; for 7 days write 604800 or "1w" \(or "1000w" if you do mean 7000 days\)$/ });
  assert.throws(() => durationToSeconds(3_600_000, 'x'), { message: /so that is 41\.7 days; for 1 hour write 3600 or "1h" \(or "1000h" if you do mean 41\.7 days\)$/ });
  assert.throws(() => durationToSeconds(120_000, 'x'), { message: /so that is 1\.4 days; for 2 minutes write 120 or "2m" \(or "2000m" if you do mean 1\.4 days\)$/ });
  // A fractional number: the milliseconds reading is rounded, the seconds reading floored (as durations are).
  assert.throws(() => durationToSeconds(YEAR + 0.5, 'x'), { message: /for 8\.8 hours write 31536 or "31536s" \(or "365d" if you do mean 365 days\)$/ });
});

test('negative, NaN and infinite numbers and unitless strings keep their own errors', () => {
  assert.throws(() => durationToSeconds(-1, 'x'), { name: 'RangeError', message: 'x must be a finite number of seconds >= 0, got -1' });
  assert.throws(() => durationToSeconds(Number.POSITIVE_INFINITY, 'x'), { name: 'RangeError', message: 'x must be a finite number of seconds >= 0, got Infinity' });
  assert.throws(() => durationToSeconds('900000', 'x'), { name: 'TypeError' });
});

test('only a real string is read as one: an array or an object that prints as "15m" is refused', () => {
  for (const value of [['15m'], { toString: () => '15m' }, true, null]) {
    assert.throws(() => durationToSeconds(value as never, 'x'), { name: 'TypeError', message: 'x must be a number of seconds or a string such as "30s", "15m", "2h", "30d", "1w"' });
  }
});
