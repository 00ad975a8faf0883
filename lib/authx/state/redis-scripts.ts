/**
 * Lua scripts sent once (library-internal): each call is `EVALSHA <sha1>`, and only a Redis that
 * does not know the script yet (`NOSCRIPT`: a new, restarted or failed-over node) gets its text,
 * through `EVAL`, which also loads it there. Scripts that write start with `#!lua` (Redis 7): such
 * a script is refused as a whole when Redis is out of memory (`OOM`), never half applied.
 */
import { createHash } from 'node:crypto';
import { RedisUnavailableError, type RedisLink } from './redis-client.ts';

/** A script and its SHA-1, the name Redis files it under. */
export class RedisScript {
  readonly text: string;
  readonly sha: string;

  constructor(text: string) {
    this.text = text;
    this.sha = createHash('sha1').update(text).digest('hex');
  }
}

/**
 * Runs `script` on the node holding `keys[0]`: `EVALSHA`, then `EVAL` once if that node does
 * not know it. With `replicas` > 0 the answer waits until that many replicas hold the writes
 * (`WAIT`, in the same round trip).
 *
 * @example await runScript(link, CLAIM, [key], [value, ttl])
 * @throws {RedisUnavailableError} When Redis does not answer in time or refuses.
 */
export async function runScript(link: RedisLink, script: RedisScript, keys: readonly string[], args: readonly string[], replicas = 0): Promise<unknown> {
  const key = keys[0]!;
  const call = (verb: 'EVALSHA' | 'EVAL'): Promise<unknown> => {
    const command = [verb, verb === 'EVAL' ? script.text : script.sha, String(keys.length), ...keys, ...args];
    return replicas > 0 ? link.sendReplicated(command, key, replicas) : link.send(command, key);
  };
  try {
    return await call('EVALSHA');
  } catch (error) {
    if (!(error instanceof RedisUnavailableError) || error.reason !== 'NOSCRIPT') throw error;
    return call('EVAL');
  }
}
