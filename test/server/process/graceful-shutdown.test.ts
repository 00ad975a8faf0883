import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { drainServer, exitOnSignals, shutdownSequence, trackRequestsInFlight } from '../../../server/process/graceful-shutdown.ts';

async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

test('drainServer cuts off a request that outlives the deadline and reports "forced"', async () => {
  let arrived: () => void = () => {};
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const { server, url } = await listen(() => arrived()); // never answers
  const pending = fetch(url).catch((error: unknown) => error);
  // Wait for the request itself, not a fixed delay: under load 30 ms was not always enough.
  await requestArrived;
  assert.equal(await drainServer(server, { timeoutMs: 100 }), 'forced');
  assert.ok((await pending) instanceof Error);
});

/** A server whose one route says when a request has arrived and answers 'late' 200 ms after. */
async function listenLate(): Promise<{ server: Server; url: string; requestArrived: Promise<void> }> {
  let arrived: () => void = () => {};
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const listening = await listen((_req, res) => {
    arrived();
    setTimeout(() => res.end('late'), 200);
  });
  return { ...listening, requestArrived };
}

test('drainServer closes idle keep-alive connections at once and reports "drained"', async () => {
  const { server, url } = await listen((_req, res) => res.end('ok'));
  assert.equal(await (await fetch(url)).text(), 'ok'); // leaves an idle keep-alive connection
  const started = performance.now();
  assert.equal(await drainServer(server, { timeoutMs: 5000 }), 'drained');
  assert.ok(performance.now() - started < 1000);
});

test('exitOnSignals drains then exits 0; a second signal exits 1 at once', async () => {
  const { server, url, requestArrived } = await listenLate();
  const exits: number[] = [];
  const lines: string[] = [];
  const remove = exitOnSignals(server, { signals: ['SIGWINCH'], log: (line) => lines.push(line), exit: (code) => exits.push(code) });
  try {
    const answer = fetch(url).then((response) => response.text());
    // Signal only once the server has the request (a fixed wait lost the race on a loaded machine).
    await requestArrived;
    process.emit('SIGWINCH', 'SIGWINCH');
    // The second signal at once: waiting for the answer first let the drain finish before it
    // on a loaded machine. The drain still goes on (exit is only recorded here).
    process.emit('SIGWINCH', 'SIGWINCH');
    assert.deepEqual(exits, [1]);
    assert.equal(await answer, 'late');
    while (exits.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(exits, [1, 0]);
    assert.match(lines[0] ?? '', /SIGWINCH: no longer accepting connections/);
  } finally {
    remove();
    server.closeAllConnections();
  }
});

test("shutdownSequence drains once for a signal and a primary's request; only a second signal of its own exits 1 at once", async () => {
  const { server, url, requestArrived } = await listenLate();
  const exits: number[] = [];
  const lines: string[] = [];
  const shutdown = shutdownSequence(server, { log: (line) => lines.push(line), exit: (code) => exits.push(code) });
  try {
    const answer = fetch(url).then((response) => response.text());
    await requestArrived;
    // A worker after Ctrl-C: the primary's request and the signal of its own, in either order.
    shutdown.request('SIGINT');
    shutdown.signal('SIGINT');
    shutdown.request('SIGINT');
    assert.deepEqual(exits, []);
    shutdown.signal('SIGINT');
    assert.deepEqual(exits, [1]);
    assert.equal(await answer, 'late');
    while (exits.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(exits, [1, 0]);
    assert.deepEqual(lines, ['SIGINT: no longer accepting connections; finishing requests in flight', 'SIGINT again: exiting without waiting', 'all requests finished; exiting']);
  } finally {
    server.closeAllConnections();
  }
});

test('exitOnSignals runs cleanup after the server has closed and exits only once it has finished', async () => {
  const { server } = await listen((_req, res) => res.end('ok'));
  const exits: number[] = [];
  const steps: string[] = [];
  const remove = exitOnSignals(server, {
    signals: ['SIGWINCH'],
    log: () => {},
    exit: (code) => {
      steps.push(`exit ${code}`);
      exits.push(code);
    },
    cleanup: async () => {
      steps.push(`cleanup (listening: ${server.listening}, exits: ${exits.length})`);
      await new Promise((resolve) => setTimeout(resolve, 50)); // a journal flush, a QUIT
      steps.push('cleaned up');
    },
  });
  try {
    process.emit('SIGWINCH', 'SIGWINCH');
    while (exits.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(steps, ['cleanup (listening: false, exits: 0)', 'cleaned up', 'exit 0']);
  } finally {
    remove();
  }
});

test('a cleanup that never settles holds the exit at most cleanupTimeoutMs; one that fails does not change the exit code', async () => {
  for (const [cleanup, line] of [
    [() => new Promise<void>(() => {}), 'cleanup not finished after 300 ms; exiting without it'],
    [() => Promise.reject(new Error('ECONNREFUSED 10.0.0.7:6379')), 'cleanup failed; exiting'],
  ] as const) {
    const { server } = await listen((_req, res) => res.end('ok'));
    const exits: number[] = [];
    const lines: string[] = [];
    const shutdown = shutdownSequence(server, { log: (text) => lines.push(text), exit: (code) => exits.push(code), cleanup, cleanupTimeoutMs: 300 });
    const started = performance.now();
    shutdown.signal('SIGINT');
    while (exits.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(exits, [0]);
    assert.equal(lines.at(-1), line);
    assert.ok(performance.now() - started < 5_000, 'the exit waited for the cleanup deadline only');
  }
});

test('refuses a timeout that is not a positive finite number', () => {
  const server = createServer();
  assert.throws(() => drainServer(server, { timeoutMs: 0 }), RangeError);
  assert.throws(() => exitOnSignals(server, { timeoutMs: Number.NaN }), RangeError);
  assert.throws(() => shutdownSequence(server, { cleanupTimeoutMs: 0 }), /cleanupTimeoutMs/);
});

test('drainServer closes connections that sent no complete request, once no request is in flight', async () => {
  const { server, url } = await listen((_req, res) => res.end('ok'));
  const inFlight = trackRequestsInFlight(server);
  const port = Number(new URL(url).port);
  const silent = connect(port, '127.0.0.1');
  const partial = connect(port, '127.0.0.1', () => partial.write('GET / HTTP/1.1\r\nHost: x\r\n'));
  await Promise.all([once(silent, 'connect'), once(partial, 'connect')]);
  assert.equal(await (await fetch(url)).text(), 'ok');
  assert.equal(inFlight(), 0);
  const started = performance.now();
  assert.equal(await drainServer(server, { timeoutMs: 5000 }), 'drained');
  assert.ok(performance.now() - started < 2000, 'should not wait for the deadline');
  silent.destroy();
  partial.destroy();
});
