/**
 * The `hash-password` command (`npm run hash-password`, `node server.ts hash-password`): reads a
 * password from stdin (no echo on a terminal) and prints its scrypt hash for a users file.
 * Example server only; not part of the package.
 */
import { hashPassword } from './password.ts';
import { readPassword, type PasswordSource } from './password-input.ts';

/** Reads one password from `input` (prompting on `prompt`) and writes its hash and a newline to `output`. */
export async function runHashPassword(input: PasswordSource, prompt: NodeJS.WritableStream, output: NodeJS.WritableStream): Promise<void> {
  const password = await readPassword(input, prompt);
  output.write(`${await hashPassword(password)}\n`);
}
