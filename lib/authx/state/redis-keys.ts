/**
 * The key layout of `RedisRevocationStore` (library-internal). Everything of one subject lives
 * under one hash tag, `authx:{<subject>}:...`, so on a Redis Cluster a verification, a logout and
 * a rotation each touch one slot (Redis Cluster specification, "Hash tags"): one command, one
 * round trip, never `CROSSSLOT`. Each slot also holds its epoch record,
 * `authx:{<tag of the slot>}:epoch`, read in the same command as the state it vouches for
 * (docs/state.md, "Amnesia"). The slot of a key is CRC16 (XMODEM) of its tag, modulo 16384.
 */

/** Hash slots of a Redis Cluster. */
export const SLOTS = 16384;

const CRC16_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  CRC16_TABLE[i] = crc;
}

/**
 * The hash slot of a hash tag: CRC16-CCITT (XMODEM) of its UTF-8 bytes, modulo 16384.
 *
 * @example slotOf("123456789") // 12739 (0x31C3, the specification's check value)
 * @throws Never.
 */
export function slotOf(tag: string): number {
  let crc = 0;
  // ASCII is its own UTF-8: no buffer for the common case (the slot table's 170,000 tags).
  if (/^[\x00-\x7f]*$/.test(tag)) {
    for (let i = 0; i < tag.length; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ tag.charCodeAt(i)) & 0xff]!;
  } else {
    for (const byte of Buffer.from(tag, 'utf8')) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  }
  return crc & (SLOTS - 1);
}

/**
 * The hash slot of a key, as Redis Cluster computes it: of the text between the first `{` and the
 * first `}` after it when that is not empty, else of the whole key.
 *
 * @example keySlot("authx:{alice}:s") === slotOf("alice")
 * @throws Never.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? slotOf(key.slice(open + 1, close)) : slotOf(key);
}

let slotTags: string[] | undefined;

/**
 * A short tag that hashes to `slot`: the first of `0`, `1`, `2`, ... (in base 36) that does.
 * The whole table is made once, on first use (about 170,000 CRCs, a few milliseconds).
 *
 * @example slotTag(slotOf("alice")) // a tag in alice's slot
 * @throws Never.
 */
export function slotTag(slot: number): string {
  if (slotTags === undefined) {
    const table: string[] = new Array<string>(SLOTS);
    let missing = SLOTS;
    for (let n = 0; missing > 0; n++) {
      const tag = n.toString(36);
      const s = slotOf(tag);
      if (table[s] === undefined) {
        table[s] = tag;
        missing--;
      }
    }
    slotTags = table;
  }
  return slotTags[slot]!;
}

/**
 * A subject as a hash tag: `%`, `{` and `}` percent-encoded, so the tag ends where it should and
 * two subjects never share a key.
 *
 * @example subjectTag("a{b}") // "a%7Bb%7D"
 * @throws Never.
 */
export function subjectTag(subject: string): string {
  return /[%{}]/.test(subject) ? subject.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : subject;
}

/** A subject's cut-off key and its slot's epoch record. */
export interface SubjectKeys {
  /** `authx:{<subject>}` */
  readonly tag: string;
  readonly cutoff: string;
  readonly epoch: string;
}

/** Subjects whose keys are remembered (the hot path builds none); forgotten all at once past it. */
const REMEMBERED_SUBJECTS = 10_000;

/** The keys of one store (one prefix). */
export class RedisKeys {
  readonly #prefix: string;
  readonly #subjects = new Map<string, SubjectKeys>();

  /**
   * @throws {TypeError} When the prefix holds a brace (it would move the hash tag).
   */
  constructor(prefix: string) {
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw new TypeError('prefix must be a string without { or }');
    this.#prefix = prefix;
  }

  /** A subject's tag, cut-off and epoch keys, remembered. */
  ofSubject(subject: string): SubjectKeys {
    let keys = this.#subjects.get(subject);
    if (keys === undefined) {
      if (this.#subjects.size >= REMEMBERED_SUBJECTS) this.#subjects.clear();
      const tag = this.subject(subject);
      keys = { tag, cutoff: `${tag}:s`, epoch: this.epochOf(subject) };
      this.#subjects.set(subject, keys);
    }
    return keys;
  }

  /** The subject's hash tag with braces: `authx:{alice}`. */
  subject(subject: string): string {
    return `${this.#prefix}{${subjectTag(subject)}}`;
  }

  /** The epoch record of the slot `subject`'s keys live in. */
  epochOf(subject: string): string {
    return this.epochOfSlot(slotOf(subjectTag(subject)));
  }

  /** The epoch record of one slot. */
  epochOfSlot(slot: number): string {
    return `${this.#prefix}{${slotTag(slot)}}:epoch`;
  }

  /** Whether `key` is one of this store's epoch records (for invalidations). */
  isEpoch(key: string): boolean {
    return key.startsWith(this.#prefix) && key.endsWith('}:epoch');
  }
}
