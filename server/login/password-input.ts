/**
 * Reading a password for a command-line tool from standard input, never from the arguments
 * (which end up in shell history and in `ps` output). On a terminal the password is not echoed.
 */

/** The parts of `process.stdin` this needs. */
export interface PasswordSource extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/**
 * Reads one password: on a terminal, typed without echo and ended by Enter; from a pipe or file,
 * the whole input without one trailing line break.
 *
 * @example const password = await readPassword(process.stdin, process.stderr)
 * @throws {Error} When the input is empty or the user pressed Ctrl-C / Ctrl-D on an empty line.
 */
export async function readPassword(input: PasswordSource, prompt: NodeJS.WritableStream): Promise<string> {
  const password = input.isTTY === true && typeof input.setRawMode === 'function'
    ? await readFromTerminal(input, prompt)
    : stripOneLineBreak(await readAll(input));
  if (password === '') throw new Error('the password is empty');
  return password;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function stripOneLineBreak(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

function readFromTerminal(input: PasswordSource, prompt: NodeJS.WritableStream): Promise<string> {
  prompt.write('Password (not shown): ');
  input.setRawMode?.(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && typed === '')) return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
