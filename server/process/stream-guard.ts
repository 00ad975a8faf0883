/**
 * Writing to a stream the server does not own (stdout, stderr, a log file, a pipe) without ever
 * letting that stream take the process down. A stream whose reader went away reports `EPIPE` as
 * an `'error'` event; with no listener, Node turns that event into an uncaught exception and the
 * process exits. Example server only; not part of the package.
 */

/** What the guard needs of a stream: `write`, and `on` when it is an event emitter. */
export interface GuardableStream {
  write(chunk: string): unknown;
  on?: (event: 'error', listener: (error: unknown) => void) => unknown;
}

const guarded = new WeakMap<object, Array<(error: unknown) => void>>();

/**
 * Gives `stream` one `'error'` listener that calls every `onError` registered for it, so an
 * asynchronous write failure becomes a call instead of an uncaught exception. Idempotent per
 * stream; each call adds its `onError` to the list.
 *
 * @example guardStream(process.stderr)
 * @throws Never.
 */
export function guardStream(stream: GuardableStream, onError: (error: unknown) => void = () => {}): void {
  let listeners = guarded.get(stream);
  if (listeners === undefined) {
    const list: Array<(error: unknown) => void> = [];
    listeners = list;
    guarded.set(stream, list);
    if (typeof stream.on === 'function') {
      stream.on('error', (error: unknown) => {
        for (const listener of list) listener(error);
      });
    }
  }
  listeners.push(onError);
}

/**
 * Writes `text` to `stream` and reports whether the write was accepted; a synchronous throw is
 * caught and a later `'error'` event is absorbed (the stream is guarded first).
 *
 * @example writeSafely(process.stderr, 'warning: ...\n')
 * @throws Never.
 */
export function writeSafely(stream: GuardableStream, text: string): boolean {
  guardStream(stream);
  try {
    return stream.write(text) !== false;
  } catch {
    return false;
  }
}

/**
 * The short, secret-free name of a write failure: its `code` (`EPIPE`, `ENOSPC`, `EBADF`) when it
 * has a string one, else its `name`. Never the message, which may quote what was being written.
 *
 * @example failureName(Object.assign(new Error('x'), { code: 'EPIPE' })) // 'EPIPE'
 * @throws Never.
 */
export function failureName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
    if (typeof name === 'string' && /^\w{1,40}$/.test(name)) return name;
  }
  return 'unknown error';
}
