/**
 * Request-validation answers in FastAPI's 422 shape (`{"detail": [{type, loc, msg, input, ctx?}]}`),
 * so clients written against the original example keep working.
 *
 * One deliberate difference: FastAPI echoes what the client sent in `input`, password included.
 * Here `input` only echoes `null`, booleans, numbers and the `username` string; the password
 * (whatever its type), every other string, arrays and objects are replaced by
 * {@link REDACTED}, so a 422 never carries a secret back into logs, proxies or browser consoles.
 */

/** One entry of a FastAPI validation answer. */
export interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** FastAPI's validation answer body. */
export interface ValidationAnswer {
  detail: ValidationIssue[];
}

/** What stands in `input` for a value that is not echoed. */
export const REDACTED = '[redacted]';

/** The field whose string value may be echoed; everything else that is a string is not. */
const ECHOED_STRING_FIELD = 'username';

/**
 * The answer for a request without a body (FastAPI: `missing` at `["body"]`).
 *
 * @example sendJson(res, 422, missingBody())
 * @throws Never.
 */
export function missingBody(): ValidationAnswer {
  return { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
}

/**
 * The answer for a body that is not JSON; `position` and `reason` follow Python's `json` module.
 *
 * @example sendJson(res, 422, invalidJson(error.position ?? 0, error.reason))
 * @throws Never.
 */
export function invalidJson(position: number, reason: string): ValidationAnswer {
  return {
    detail: [{ type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error', input: {}, ctx: { error: reason } }],
  };
}

/** Result of {@link validateStringFields}. */
export type StringFieldsResult<K extends string> =
  | { ok: true; values: Record<K, string> }
  | { ok: false; answer: ValidationAnswer };

/**
 * Validates a parsed JSON body as an object with the given string fields, like a Pydantic model
 * of `str` fields: every problem is reported, in field order. Extra fields are ignored.
 *
 * @example
 * const result = validateStringFields(body, ['username', 'password'])
 * if (!result.ok) return sendJson(res, 422, result.answer)
 * @throws Never.
 */
export function validateStringFields<K extends string>(body: unknown, fields: readonly K[]): StringFieldsResult<K> {
  if (body === null) return { ok: false, answer: missingBody() };
  if (typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      answer: {
        detail: [{
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: redact(body, undefined),
        }],
      },
    };
  }
  const record = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const values = {} as Record<K, string>;
  for (const field of fields) {
    const value = Object.hasOwn(record, field) ? record[field] : undefined;
    if (value === undefined) {
      issues.push({ type: 'missing', loc: ['body', field], msg: 'Field required', input: redactObject(record) });
    } else if (typeof value !== 'string') {
      issues.push({ type: 'string_type', loc: ['body', field], msg: 'Input should be a valid string', input: redact(value, field) });
    } else {
      values[field] = value;
    }
  }
  return issues.length === 0 ? { ok: true, values } : { ok: false, answer: { detail: issues } };
}

function redact(value: unknown, field: string | undefined): unknown {
  if (field === 'password') return REDACTED;
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string' && field === ECHOED_STRING_FIELD) return value;
  return REDACTED;
}

function redactObject(record: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    // defineProperty, not assignment: a "__proto__" key must stay a plain key.
    Object.defineProperty(copy, key, { value: redact(value, key), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
