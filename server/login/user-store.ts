/**
 * Room `server/login/`: who may log in: users, scrypt passwords, `npm run hash-password`, login
 * throttling and its counter stores (memory, Redis). May import: `lib/core/`, `lib/authx/`,
 * `lib/authx/config/`, `lib/authx/state/`.
 *
 * The example server's users: username, scrypt password hash, e-mail. Hashes are parsed and
 * bounds-checked once, when the store is built, so a bad users file stops the server at start-up
 * instead of failing logins later. A login for an unknown user is checked against a dummy hash
 * with the same cost, so it takes as long as a wrong password.
 */
import {
  DEFAULT_SCRYPT_PARAMETERS,
  createDummyPasswordHash,
  parsePasswordHash,
  verifyPassword,
  type ParsedPasswordHash,
  type ScryptParameters,
} from './password.ts';

/** One user as written in a users file: `{ "password_hash": "scrypt$...", "email": "..." }`. */
export interface UserEntry {
  password_hash: string;
  email?: string | null;
}

/** What the store keeps about a user. */
export interface StoredUser {
  readonly passwordHash: ParsedPasswordHash;
  readonly email: string | null;
}

/**
 * The two demo users of the original example (`user1`/`password1`, `user2`/`password2`), with
 * their passwords hashed at OWASP's minimum scrypt cost (made once with `npm run hash-password`).
 */
export const DEMO_USERS: Readonly<Record<string, UserEntry>> = Object.freeze({
  user1: {
    password_hash: 'scrypt$N=131072,r=8,p=1$lBKqOdZJDIy53XiuWAqupw$mhe2_lT0Mh72MSVW30t8dQ0oHjl6vrrOLdGV3MrddF0',
    email: 'user1@example.com',
  },
  user2: {
    password_hash: 'scrypt$N=131072,r=8,p=1$HvecLXXEP6CEmAunRqZT1Q$_unibtycYuHk5JHZpEVOLp7zj7fDEgz_PqijsDFq6qM',
    email: 'user2@example.com',
  },
});

/** Error in a users file; the message names the user and the problem, never a hash. */
export class UsersFileError extends Error {
  /** Always `ERR_USERS_FILE`. */
  readonly code: string = 'ERR_USERS_FILE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsersFileError';
  }
}

/**
 * Users by name, with constant-cost credential checks.
 *
 * @example
 * const users = UserStore.fromJson(readFileSync(process.env.USERS_FILE, 'utf8'))
 * if (await users.checkCredentials(name, password)) { ... }
 */
export class UserStore {
  readonly #users = new Map<string, StoredUser>();
  readonly #dummy: ParsedPasswordHash;

  /**
   * @param entries Users by name, as in a users file.
   * @throws {UsersFileError} When an entry is not `{ password_hash: string, email?: string|null }`
   *   or its hash is malformed or out of bounds.
   */
  constructor(entries: Readonly<Record<string, UserEntry>>) {
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new UsersFileError('users must be a JSON object of {"<username>": {"password_hash": "...", "email": "..."}}');
    }
    for (const [name, entry] of Object.entries(entries)) {
      this.#users.set(name, parseEntry(name, entry));
    }
    this.#dummy = createDummyPasswordHash(mostCommonParameters([...this.#users.values()]));
  }

  /**
   * Builds a store from the text of a users file.
   *
   * @throws {UsersFileError} When the text is not JSON or an entry is invalid.
   */
  static fromJson(text: string): UserStore {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsersFileError('users file is not valid JSON', { cause: error });
    }
    return new UserStore(parsed as Record<string, UserEntry>);
  }

  /** Number of users. */
  get size(): number {
    return this.#users.size;
  }

  /**
   * The user's e-mail, or `null` for an unknown user or one without e-mail.
   *
   * @throws Never.
   */
  emailOf(username: string): string | null {
    return this.#users.get(username)?.email ?? null;
  }

  /**
   * Whether a user of that name exists.
   *
   * @throws Never.
   */
  has(username: string): boolean {
    return this.#users.has(username);
  }

  /**
   * Checks a username and password. Always runs exactly one scrypt: against the user's hash, or
   * against a dummy hash for an unknown user, so both failures cost the same.
   *
   * @throws Never for stores built by the constructor (hashes were checked there).
   */
  async checkCredentials(username: string, password: string): Promise<boolean> {
    const user = this.#users.get(username);
    const matches = await verifyPassword(password, user?.passwordHash ?? this.#dummy);
    return matches && user !== undefined;
  }

  /**
   * Names of users whose hashes are below OWASP's minimum cost, for a start-up warning.
   *
   * @throws Never.
   */
  weakHashUsers(isWeak: (parameters: ScryptParameters) => boolean): string[] {
    return [...this.#users].filter(([, user]) => isWeak(user.passwordHash.parameters)).map(([name]) => name);
  }
}

function parseEntry(name: string, entry: unknown): StoredUser {
  const label = JSON.stringify(name.slice(0, 64));
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new UsersFileError(`user ${label}: entry must be an object with "password_hash" and "email"`);
  }
  const { password_hash: hash, email } = entry as Record<string, unknown>;
  if (typeof hash !== 'string') throw new UsersFileError(`user ${label}: "password_hash" must be a string`);
  if (email !== undefined && email !== null && typeof email !== 'string') {
    throw new UsersFileError(`user ${label}: "email" must be a string or null`);
  }
  try {
    return { passwordHash: parsePasswordHash(hash), email: email ?? null };
  } catch (error) {
    throw new UsersFileError(`user ${label}: ${(error as Error).message}`, { cause: error });
  }
}

/** The dummy hash should cost what a typical user's hash costs: use the most common parameters. */
function mostCommonParameters(users: StoredUser[]): ScryptParameters {
  const counts = new Map<string, { parameters: ScryptParameters; count: number }>();
  for (const { passwordHash: { parameters } } of users) {
    const key = `${parameters.N},${parameters.r},${parameters.p}`;
    const seen = counts.get(key) ?? { parameters, count: 0 };
    seen.count++;
    counts.set(key, seen);
  }
  let best: { parameters: ScryptParameters; count: number } | undefined;
  for (const candidate of counts.values()) if (best === undefined || candidate.count > best.count) best = candidate;
  return best?.parameters ?? DEFAULT_SCRYPT_PARAMETERS;
}
