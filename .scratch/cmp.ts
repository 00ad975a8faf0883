import { findWrk, runLoad } from '../bench/http.ts';
import { loginToken, tsScript } from '../bench/http-phase.ts';
import { startTarget, type Target } from '../bench/processes.ts';
import { BENCH_SECRET } from '../bench/micro.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const wrk = findWrk();
const dir = mkdtempSync(join(tmpdir(), 'cmp-'));
const env = { JWT_SECRET_KEY: BENCH_SECRET, SHUTDOWN_DELAY_MS: '0' };
const specs = (process.env.SIDES ?? 'server,bare,fastjwt,servermem,metrics').split(',');
const all: Record<string, any> = {
  bare: { name: 'bare', args: [...tsScript('bench/peer-server.ts'), 'bare'], readyPath: '/protected' },
  fastjwt: { name: 'fastjwt', args: [...tsScript('bench/peer-server.ts'), 'fast-jwt'], readyPath: '/protected' },
  server: { name: 'server', args: tsScript('server.ts'), env: { ...env, DATA_DIR: join(dir, 'a') }, readyPath: '/' },
  servermem: { name: 'servermem', args: tsScript('server.ts'), env: { ...env, DATA_DIR: ':memory:' }, readyPath: '/' },
  metrics: { name: 'metrics', args: [...tsScript('bench/metrics-server.ts'), 'on'], readyPath: '/' },
  nolog: { name: 'nolog', args: tsScript('server.ts'), env: { ...env, DATA_DIR: ':memory:', ACCESS_LOG: 'off' }, readyPath: '/' },
};
const targets: [string, Target, Record<string, string>][] = [];
for (const k of specs) {
  const t = await startTarget(all[k]);
  let h: Record<string, string> = {};
  try { h = { authorization: `Bearer ${await loginToken(t.url)}` }; } catch { h = { authorization: `Bearer ${await loginToken(targets.find(([n]) => n.startsWith('server'))?.[1].url ?? '')}` }; }
  targets.push([k, t, h]);
}
const res: Record<string, number[]> = {};
const rounds = Number(process.env.ROUNDS ?? 4);
for (let r = -1; r < rounds; r++) {
  for (const [k, t, h] of targets) {
    const before = t.cpuSeconds();
    const load = await runLoad(`${t.url}/protected`, { connections: 50, durationMs: 2000, headers: h }, wrk);
    const us = ((t.cpuSeconds() - before) * 1e6) / load.requests;
    if (r >= 0) (res[k] ??= []).push(Math.round(us));
    if (load.failures) console.log(k, 'failures', load.failures);
  }
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(10), v.join(' '), 'median', v.sort((a, b) => a - b)[v.length >> 1]);
for (const [, t] of targets) await t.stop();
