/**
 * JSON parsing for decoded token segments.
 */
import { MalformedTokenError } from './errors.ts';

/**
 * Parses text that must hold a JSON object (not an array, string, number or null). Duplicate
 * keys follow `JSON.parse`: the last one wins, and the signature still covers the exact bytes.
 * A `__proto__` key becomes an ordinary own property; no prototype changes.
 *
 * @param text The decoded segment.
 * @param part `header` or `payload`, for the message.
 * @example parseJsonObject('{"sub":"user1"}', "payload")
 * @throws {MalformedTokenError} When the text is not JSON or not a JSON object.
 */
export function parseJsonObject(text: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // No `cause`: V8's SyntaxError quotes the input, which must not reach a log.
    throw new MalformedTokenError(`Token ${part} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedTokenError(`Token ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
