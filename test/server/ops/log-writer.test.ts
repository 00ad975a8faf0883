/**
 * The access log's writer (server/ops/log-writer.ts): one sink write per event-loop turn, a bounded
 * backlog with dropped lines counted and reported, and sinks that fail without taking anyone down.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { test } from 'node:test';
import { LogWriter } from '../../../server/ops/log-writer.ts';

/** Node runs .ts itself where it strips types (22.18+); elsewhere the child loads tsx. */
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
const tsArgs = nodeStripsTypes ? [] : ['--import', 'tsx'];

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('lines written in one event-loop turn reach the sink in one write', async () => {
  const writes: string[] = [];
  const writer = new LogWriter({ sink: { write: (text: string) => writes.push(text) } });
  writer.write('a\n');
  writer.write('b\n');
  writer.write('c\n');
  assert.deepEqual(writes, [], 'nothing is written before the turn ends');
  await turn();
  assert.deepEqual(writes, ['a\nb\nc\n']);
  writer.write('d\n');
  await turn();
  assert.deepEqual(writes, ['a\nb\nc\n', 'd\n']);
});

test('flush() writes the backlog at once (for shutdown and exit)', () => {
  const writes: string[] = [];
  const writer = new LogWriter({ sink: { write: (text: string) => writes.push(text) } });
  writer.write('last words\n');
  writer.flush();
  assert.deepEqual(writes, ['last words\n']);
  writer.flush();
  assert.equal(writes.length, 1, 'an empty flush writes nothing');
});

test('a sink that throws is noted once, later lines are dropped and counted, nothing throws', async () => {
  const notes: string[] = [];
  let calls = 0;
  const writer = new LogWriter({
    sink: {
      write: () => {
        calls++;
        throw Object.assign(new Error('disk full at /var/log/secret-path'), { code: 'ENOSPC' });
      },
    },
    onFailure: (note) => notes.push(note),
  });
  writer.write('one\n');
  writer.write('two\n');
  await turn();
  writer.write('three\n');
  await turn();
  assert.equal(calls, 1, 'a failed sink is not called again');
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /access log failed \(ENOSPC\)/);
  assert.ok(!notes[0]!.includes('secret-path'), 'the error message is not quoted');
  assert.equal(writer.dropped, 3);
  assert.equal(writer.failed, true);
});

test("a stream's asynchronous 'error' (EPIPE) is absorbed, noted once, and stops the writes", async () => {
  const notes: string[] = [];
  const stream = Object.assign(new EventEmitter(), { written: [] as string[], write(text: string) { this.written.push(text); return true; } });
  const writer = new LogWriter({ sink: stream, onFailure: (note) => notes.push(note) });
  writer.write('before\n');
  await turn();
  stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  writer.write('after\n');
  await turn();
  assert.deepEqual(stream.written, ['before\n']);
  assert.deepEqual(notes, ['error: access log failed (EPIPE); the server goes on answering without it']);
  assert.equal(writer.dropped, 1);
});

test("under back-pressure the backlog stays bounded, drops are counted and reported after 'drain'", async () => {
  const stream = Object.assign(new EventEmitter(), { written: [] as string[], write(text: string) { this.written.push(text); return false; } });
  const writer = new LogWriter({ sink: stream, maxBufferedChars: 10 });
  writer.write('0123\n');
  await turn(); // written; the stream asks to wait for 'drain'
  for (let i = 0; i < 5; i++) writer.write('abcd\n');
  await turn();
  assert.deepEqual(stream.written, ['0123\n'], 'nothing more is written before drain');
  assert.equal(writer.dropped, 3, 'only 10 characters are held');
  stream.emit('drain');
  await turn();
  assert.deepEqual(stream.written, ['0123\n', 'abcd\nabcd\nlog: 3 line(s) dropped\n']);
});

test('unknown options and bad bounds are refused', () => {
  const sink = { write: () => true };
  assert.throws(() => new LogWriter({ sink, maxBuffer: 5 } as never), { name: 'TypeError', message: /unknown option "maxBuffer"/ });
  assert.throws(() => new LogWriter({ sink, maxBufferedChars: 0 }), RangeError);
  assert.throws(() => new LogWriter({ sink: {} as never }), TypeError);
});

test('a real pipe whose reader has gone: EPIPE is absorbed and the process stays up', async () => {
  const { spawn } = await import('node:child_process');
  // The child writes through a LogWriter to its stdout; the parent destroys the pipe first.
  const source = `
    import { LogWriter } from ${JSON.stringify(new URL('../../../server/ops/log-writer.ts', import.meta.url).href)};
    const writer = new LogWriter({ sink: process.stdout });
    let n = 0;
    const timer = setInterval(() => {
      writer.write('line ' + n++ + '\\n');
      if (n === 20) { clearInterval(timer); process.stderr.write('still alive, dropped ' + writer.dropped + '\\n'); }
    }, 5);
  `;
  const child = spawn(process.execPath, [...tsArgs, '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr);
  assert.match(stderr, /access log failed \(EPIPE\)/);
  assert.match(stderr, /still alive, dropped \d+/);
  assert.equal(stderr.match(/access log failed/g)?.length, 1, 'said once');
});
