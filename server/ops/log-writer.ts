/**
 * The access log's writer: lines are gathered and handed to the sink once per event-loop turn
 * (one system call for every request answered in that turn instead of one each), the backlog is
 * bounded (lines past it are counted as dropped, never buffered without end), and a sink that
 * fails (EPIPE after its reader left, EBADF, ENOSPC, a custom sink that throws) never takes the
 * server down: the failure is noted once and later lines are dropped and counted.
 * Example server only; not part of the package.
 */
import { assertKnownOptions } from '../../lib/core/option-names.ts';
import { failureName, guardStream, writeSafely } from '../process/stream-guard.ts';

/** Where log text goes: anything with `write(string)`, such as `process.stdout`. */
export interface LogSink {
  /** Gets one or more whole lines, each ending in `\n`. */
  write(text: string): unknown;
}

/** Options of {@link LogWriter}. */
export interface LogWriterOptions {
  /** The sink; a stream's `'error'` events and back-pressure (`write` returning `false`) are handled. */
  sink: LogSink;
  /** Most characters held while the sink is slow; default 1 MiB. Lines past it are dropped. */
  maxBufferedChars?: number;
  /** Gets the one note that logging failed; default: a line on stderr, if stderr still works. */
  onFailure?: (note: string) => void;
  /** The line written (once the sink takes text again) to say how many lines were dropped. */
  droppedLine?: (count: number) => string;
}

const KNOWN_OPTIONS: readonly string[] = ['sink', 'maxBufferedChars', 'onFailure', 'droppedLine'];

interface StreamLike {
  on?: (event: 'error', listener: (error: unknown) => void) => unknown;
  once?: (event: 'drain', listener: () => void) => unknown;
}

/** Gathers log lines and writes them in one batch per event-loop turn; see the file comment. */
export class LogWriter {
  readonly #sink: LogSink & StreamLike;
  readonly #max: number;
  readonly #onFailure: (note: string) => void;
  readonly #droppedLine: (count: number) => string;
  readonly #flush = (): void => this.flush();
  #pending = '';
  #pendingLines = 0;
  #scheduled = false;
  #waitingForDrain = false;
  #failed = false;
  #dropped = 0;
  #droppedReported = 0;

  /**
   * @example new LogWriter({ sink: process.stdout })
   * @throws {TypeError} On an unknown option or a sink without `write`.
   * @throws {RangeError} When `maxBufferedChars` is not a positive integer.
   */
  constructor(options: LogWriterOptions) {
    assertKnownOptions(options, KNOWN_OPTIONS, 'LogWriter options');
    if (typeof options.sink?.write !== 'function') throw new TypeError('LogWriter: sink must have a write(text) method');
    const max = options.maxBufferedChars ?? 1024 * 1024;
    if (!Number.isSafeInteger(max) || max <= 0) throw new RangeError('LogWriter: maxBufferedChars must be a positive integer');
    this.#sink = options.sink as LogSink & StreamLike;
    this.#max = max;
    this.#onFailure = options.onFailure ?? ((note) => writeSafely(process.stderr, `${note}\n`));
    this.#droppedLine = options.droppedLine ?? ((count) => `log: ${count} line(s) dropped\n`);
    guardStream(this.#sink, (error) => this.#fail(error));
  }

  /** Lines dropped so far: past the bound while the sink was slow, or after it failed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the sink has failed; from then on every line is dropped. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Queues one line (ending in `\n`) for the next flush, or drops and counts it when the backlog
   * is full or the sink has failed.
   *
   * @throws Never.
   */
  write(line: string): void {
    if (this.#failed || this.#pending.length + line.length > this.#max) {
      this.#dropped++;
      return;
    }
    this.#pending += line;
    this.#pendingLines++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /**
   * Hands everything queued to the sink now (also used on shutdown and in an `'exit'` handler,
   * where a pipe or file stdout is written synchronously), unless the sink asked to wait for
   * `'drain'` or has failed.
   *
   * @throws Never.
   */
  flush(): void {
    this.#scheduled = false;
    if (this.#failed || this.#waitingForDrain) return;
    const unreported = this.#dropped - this.#droppedReported;
    if (unreported > 0) {
      this.#droppedReported = this.#dropped;
      this.#pending += this.#droppedLine(unreported);
    }
    if (this.#pending === '') return;
    const text = this.#pending;
    const lines = this.#pendingLines;
    this.#pending = '';
    this.#pendingLines = 0;
    let accepted: unknown;
    try {
      accepted = this.#sink.write(text);
    } catch (error) {
      this.#dropped += lines;
      this.#fail(error);
      return;
    }
    if (accepted === false && typeof this.#sink.once === 'function') {
      this.#waitingForDrain = true;
      this.#sink.once('drain', () => {
        this.#waitingForDrain = false;
        if (!this.#scheduled && this.#pending !== '') {
          this.#scheduled = true;
          setImmediate(this.#flush);
        }
      });
    }
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#dropped += this.#pendingLines;
    this.#pending = '';
    this.#pendingLines = 0;
    try {
      this.#onFailure(`error: access log failed (${failureName(error)}); the server goes on answering without it`);
    } catch {
      // Nowhere left to say it; the server must still answer.
    }
  }
}
