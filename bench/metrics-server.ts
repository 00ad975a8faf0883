/**
 * The example server's handler exactly as server.ts builds it (access log through a LogWriter on
 * stdout, request ids, probes), with or without its metrics, for the metrics-cost case of
 * `npm run bench` (bench/metrics-cost.ts):
 *
 *   node bench/metrics-server.ts on     # ServerMetrics recorded per request, /metrics served
 *   node bench/metrics-server.ts off    # the same server, no metrics
 */
import { createServer, ROUTE_PATHS } from '../server/http/app.ts';
import { LogWriter } from '../server/ops/log-writer.ts';
import { OPS_PATHS } from '../server/ops/ops-endpoints.ts';
import { ServerMetrics } from '../server/ops/server-metrics.ts';
import { BENCH_SECRET } from './micro.ts';

const mode = process.argv[2];
if (mode !== 'on' && mode !== 'off') throw new Error('usage: metrics-server.ts on|off');
const metrics = mode === 'on' ? new ServerMetrics({ routes: [...ROUTE_PATHS, ...OPS_PATHS] }) : false;
const server = createServer({ secretKey: BENCH_SECRET, log: new LogWriter({ sink: process.stdout }), metrics });
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
