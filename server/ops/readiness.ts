/**
 * Readiness: whether this instance should receive traffic. Not ready while draining (after
 * SIGTERM) or while any registered check fails, such as "the state store answers". Checks are
 * bounded in time and a probe flood shares one evaluation, so `/readyz` can neither hang nor
 * hammer the state store. Example server only; not part of the package.
 */
import { assertKnownOptions } from '../../lib/core/option-names.ts';

/** One dependency the server needs to do its job. */
export interface ReadinessCheck {
  /** Short fixed name shown in the 503 detail, e.g. `state store`; never an address. */
  name: string;
  /** Resolves `true` when the dependency works; `false`, a rejection or a timeout mean not ready. */
  check: () => boolean | Promise<boolean>;
}

/** The answer of {@link Readiness.evaluate}. */
export type ReadinessState = { ready: true } | { ready: false; detail: string };

/** Options of {@link Readiness}. */
export interface ReadinessOptions {
  /** Checks run at each evaluation; more can be added with {@link Readiness.addCheck}. */
  checks?: readonly ReadinessCheck[];
  /** Longest wait for one check, in milliseconds; default 1 000. */
  timeoutMs?: number;
}

const KNOWN_OPTIONS: readonly string[] = ['checks', 'timeoutMs'];

/** See the file comment. */
export class Readiness {
  readonly #checks: ReadinessCheck[];
  readonly #timeoutMs: number;
  #draining = false;
  #inFlight: Promise<ReadinessState> | undefined;

  /**
   * @example const readiness = new Readiness({ checks: [{ name: 'state store', check: () => store.ping() }] })
   * @throws {TypeError} On an unknown option. @throws {RangeError} On a bad `timeoutMs`.
   */
  constructor(options: ReadinessOptions = {}) {
    assertKnownOptions(options, KNOWN_OPTIONS, 'Readiness options');
    const timeoutMs = options.timeoutMs ?? 1_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('Readiness: timeoutMs must be a positive number');
    this.#timeoutMs = timeoutMs;
    this.#checks = [...(options.checks ?? [])];
  }

  /** Adds a check (e.g. the state store's, once it exists). */
  addCheck(check: ReadinessCheck): void {
    this.#checks.push(check);
  }

  /** From now on, not ready: the server is shutting down. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Whether {@link Readiness.startDraining} was called. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Ready, or not with a short fixed detail (`draining`, `<check name> unavailable`); concurrent
   * calls share one run of the checks.
   *
   * @throws Never (a check that throws counts as failed).
   */
  evaluate(): Promise<ReadinessState> {
    if (this.#draining) return Promise.resolve({ ready: false, detail: 'draining' });
    if (this.#inFlight === undefined) {
      this.#inFlight = this.#run().finally(() => {
        this.#inFlight = undefined;
      });
    }
    return this.#inFlight;
  }

  async #run(): Promise<ReadinessState> {
    const results = await Promise.all(this.#checks.map((check) => this.#passes(check)));
    if (this.#draining) return { ready: false, detail: 'draining' };
    const failed = this.#checks.find((_, i) => !results[i]);
    return failed === undefined ? { ready: true } : { ready: false, detail: `${failed.name} unavailable` };
  }

  #passes(check: ReadinessCheck): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#timeoutMs);
      Promise.resolve()
        .then(() => check.check())
        .then(
          (ok) => resolve(ok === true),
          () => resolve(false),
        )
        .finally(() => clearTimeout(timer));
    });
  }
}
