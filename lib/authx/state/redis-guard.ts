/**
 * What makes a Redis trustworthy for revocations (library-internal, used by
 * `RedisRevocationStore`; docs/state.md, "Redis: what can go wrong"):
 * - **No eviction.** Every primary must say `maxmemory-policy noeviction` (`CONFIG GET`, else
 *   `INFO memory`): with any other policy Redis may drop a revocation to make room, and the
 *   token works again. Read before the first operation, after every connection failure (a
 *   reconnect may reach another server) and every `checkIntervalMs`; while any primary says
 *   otherwise, every operation fails with `StateUntrustedError` (503).
 * - **No amnesia.** Each hash slot holds an epoch record, `authx:{<slot tag>}:epoch` = the
 *   millisecond it was written (the later of the instance's clock and Redis `TIME`), with no TTL. It is written (`SET NX`) for every slot whenever
 *   the guard (re)gains trust, and read with every state read at no extra round trip. A record
 *   that is missing means the slot's data was lost (`FLUSHALL`, a restart without persistence,
 *   a failover to a replica that lagged): the read refuses, and the records are written again
 *   with the current instant, so every token issued before it is refused and new ones work.
 * - **Tracking alive.** With a {@link RedisTracking} cache, a heartbeat on every primary
 *   (`CLIENT TRACKINGINFO`) every `heartbeatMs` proves the invalidation stream is live.
 */
import { StateUntrustedError } from '../authx-errors.ts';
import { RedisScript, RedisUnavailableError, runScript, type RedisCommand, type RedisLink } from './redis-client.ts';
import { SLOTS, type RedisKeys } from './redis-keys.ts';
import type { RedisTracking } from './redis-tracking.ts';

/** What the guard needs from its store. */
export interface RedisGuardOptions {
  link: RedisLink;
  /** The same client with a longer deadline, for writing every slot's epoch record (16,384 keys). */
  bulkLink: RedisLink;
  keys: RedisKeys;
  clock: () => number;
  log: (line: string) => void;
  tracking: RedisTracking | undefined;
  checkIntervalMs: number;
  heartbeatMs: number;
}

// KEYS: every slot's epoch record (a single Redis). ARGV: the instant. Returns how many were missing.
const WRITE_EPOCHS = new RedisScript(`#!lua
local written = 0
for _, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX') then written = written + 1 end
end
return written`);

/** Log lines about lost data are repeated at most this often. */
const LOSS_LOG_INTERVAL_MS = 10_000;
/** Epoch records written at once while (re)writing every slot's. */
const EPOCH_BATCH = 512;

/** See the file comment. */
export class RedisGuard {
  readonly #o: RedisGuardOptions;
  #state: 'unknown' | 'ok' | 'untrusted' = 'unknown';
  #detail = '';
  #checking: Promise<void> | undefined;
  #writingEpochs: Promise<void> | undefined;
  #lossLoggedAt = Number.NEGATIVE_INFINITY;
  #beating = false;
  #epochsWritten = false;
  readonly #timers: ReturnType<typeof setInterval>[] = [];

  constructor(options: RedisGuardOptions) {
    this.#o = options;
    this.#timers.push(setInterval(() => void this.#check().catch(() => {}), options.checkIntervalMs));
    if (options.tracking !== undefined) this.#timers.push(setInterval(() => void this.#heartbeat(), options.heartbeatMs));
    for (const timer of this.#timers) timer.unref();
  }

  /** Whether operations may go ahead without waiting for a check. */
  get ok(): boolean {
    return this.#state === 'ok';
  }

  /**
   * Resolves once Redis is trusted (checking first when it is not known to be).
   *
   * @throws {StateUntrustedError} When a primary's `maxmemory-policy` is not `noeviction`.
   * @throws {RedisUnavailableError} When Redis cannot be asked.
   */
  async ensure(): Promise<void> {
    if (this.#state === 'ok') return;
    // Untrusted: refused at once; the timer reads the policy again every checkIntervalMs, so a
    // flood of requests does not become a flood of CONFIG GETs.
    if (this.#state === 'untrusted') throw new StateUntrustedError(this.#detail);
    await this.#check();
    if ((this.#state as string) !== 'ok') throw new StateUntrustedError(this.#detail);
  }

  /** An operation failed: after a connection failure or timeout, trust is checked again first. */
  failed(error: unknown): void {
    if (error instanceof RedisUnavailableError && (error.reason === 'connection' || error.reason === 'timeout') && this.#state === 'ok') this.#state = 'unknown';
  }

  /** A read found a slot without its epoch record: its data was lost. */
  epochMissing(): void {
    const now = this.#o.clock();
    if (now - this.#lossLoggedAt >= LOSS_LOG_INTERVAL_MS) {
      this.#lossLoggedAt = now;
      this.#o.log(
        `state: Redis lost data (an epoch record is missing: FLUSHALL, a restart without persistence or a failover to a lagging replica); ` +
          'every token issued before the new epoch records is refused and users must log in again',
      );
    }
    void this.#writeEpochs().catch(() => {});
  }

  /**
   * Whether every primary answers and is trusted now (for readiness).
   *
   * @throws Never.
   */
  async isReady(): Promise<boolean> {
    try {
      await this.#check();
      return this.#state === 'ok';
    } catch {
      return false;
    }
  }

  /** Stops the timers. */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }

  /** One policy check of every primary at a time; writes the epochs when trust is (re)gained. */
  #check(): Promise<void> {
    this.#checking ??= this.#checkNow().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #checkNow(): Promise<void> {
    let primaries: RedisCommand[];
    let policies: string[];
    try {
      primaries = await this.#o.link.primaries();
      policies = await Promise.all(primaries.map(readPolicy));
    } catch (error) {
      if (this.#state === 'ok') this.#state = 'unknown';
      throw error;
    }
    const wrong = policies.find((policy) => policy !== 'noeviction');
    if (wrong !== undefined) {
      const detail =
        `Redis maxmemory-policy is ${wrong}: Redis may evict revocations to make room, and a logged-out token would work again. ` +
        `Set maxmemory-policy to noeviction (CONFIG SET maxmemory-policy noeviction, and in redis.conf)`;
      if (this.#state !== 'untrusted' || detail !== this.#detail) this.#o.log(`state: ${detail}; state routes answer 503 until then`);
      this.#detail = detail;
      this.#state = 'untrusted';
      return;
    }
    if (this.#state === 'ok') return;
    // Written at the first trust only: later, a read that finds a record missing rewrites them all.
    if (!this.#epochsWritten) await this.#writeEpochs();
    this.#epochsWritten = true;
    if (this.#state === 'untrusted') this.#o.log('state: Redis maxmemory-policy is noeviction again');
    this.#state = 'ok';
  }

  /**
   * `SET <epoch> <now> NX` for every slot; says how many were missing. On a single Redis one
   * script does it; on a cluster one command per slot, as each lives on its own node.
   */
  #writeEpochs(): Promise<void> {
    this.#writingEpochs ??= (async () => {
      // The instant is read once, before any record is written (a token issued while they are
      // written is after it): the later of the instance's clock and Redis's own (TIME), so an
      // instance whose clock runs behind cannot date the records before tokens others issued.
      const [first] = await this.#o.link.primaries();
      // A client that cannot answer TIME (a function client of its own) leaves the instance's clock.
      const time = first === undefined ? undefined : await first(['TIME']).catch(() => undefined);
      const redisMs = Array.isArray(time) && time.length === 2 ? Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000) : Number.NaN;
      if (!Number.isFinite(redisMs)) this.#o.log("state: Redis TIME could not be read; the epoch records are dated by this instance's clock");
      const now = Math.floor(Number.isFinite(redisMs) ? Math.max(this.#o.clock(), redisMs) : this.#o.clock());
      const value = String(now);
      let written = 0;
      if (!this.#o.link.cluster) {
        const keys = Array.from({ length: SLOTS }, (_, slot) => this.#o.keys.epochOfSlot(slot));
        written = Number(await runScript(this.#o.bulkLink, WRITE_EPOCHS, keys, [value]));
      } else {
        for (let from = 0; from < SLOTS; from += EPOCH_BATCH) {
          const replies = await Promise.all(
            Array.from({ length: Math.min(EPOCH_BATCH, SLOTS - from) }, (_, i) => {
              const key = this.#o.keys.epochOfSlot(from + i);
              return this.#o.bulkLink.send(['SET', key, value, 'NX'], key);
            }),
          );
          for (const reply of replies) if (reply !== null && reply !== undefined) written++;
        }
      }
      if (written === SLOTS) {
        this.#o.log(`state: no epoch records in Redis (a new or emptied Redis): tokens issued before ${new Date(now).toISOString()} are refused`);
      } else if (written > 0) {
        this.#o.log(`state: Redis lost data: ${written} of ${SLOTS} hash slots had no epoch record; tokens issued before ${new Date(now).toISOString()} in them are refused`);
      }
    })().finally(() => {
      this.#writingEpochs = undefined;
    });
    return this.#writingEpochs;
  }

  /** Proves every primary's invalidation stream alive and tracking on, or stops the cache. */
  async #heartbeat(): Promise<void> {
    const tracking = this.#o.tracking;
    if (tracking === undefined || this.#beating) return;
    this.#beating = true;
    const losses = tracking.losses;
    const sentAt = performance.now();
    try {
      const primaries = await this.#o.link.primaries();
      const infos = await Promise.all(primaries.map((send) => send(['CLIENT', 'TRACKINGINFO'])));
      if (infos.every(trackingOn)) tracking.proven(sentAt, losses);
      else tracking.connectionLost();
    } catch (error) {
      // A primary that does not answer may have lost invalidations (a partition, a failover to
      // a node this cache never read from): nothing cached is kept, not merely paused.
      tracking.connectionLost();
      this.failed(error);
    } finally {
      this.#beating = false;
    }
  }
}

/** A primary's `maxmemory-policy`, from `CONFIG GET` or, where CONFIG is disabled, `INFO memory`. */
async function readPolicy(send: RedisCommand): Promise<string> {
  try {
    const reply = await send(['CONFIG', 'GET', 'maxmemory-policy']);
    const value = field(reply, 'maxmemory-policy');
    if (value !== undefined) return value;
  } catch (error) {
    if (!(error instanceof RedisUnavailableError) || error.reason === 'connection' || error.reason === 'timeout') throw error;
  }
  const info = String(await send(['INFO', 'memory']));
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown (neither CONFIG GET nor INFO memory tells)';
}

/** `name`'s value in a reply given as `[name, value, ...]`, a Map or an object (RESP2 or RESP3). */
function rawField(reply: unknown, name: string): unknown {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === name) return reply[i + 1];
    return undefined;
  }
  if (reply instanceof Map) return reply.get(name);
  if (typeof reply === 'object' && reply !== null) return (reply as Record<string, unknown>)[name];
  return undefined;
}

function field(reply: unknown, name: string): string | undefined {
  const value = rawField(reply, name);
  return value === undefined || value === null ? undefined : String(value);
}

/** Whether a `CLIENT TRACKINGINFO` reply says tracking is on (and not redirected to a lost client). */
function trackingOn(reply: unknown): boolean {
  const flags = rawField(reply, 'flags');
  const list = Array.isArray(flags) ? flags.map(String) : [];
  return list.includes('on') && !list.includes('broken_redirect');
}
