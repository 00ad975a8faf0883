/**
 * The floor of the start-up table of `npm run bench` (bench/startup.ts): a bare `node:http`
 * server answering `GET /` on HOST:PORT, with no project code. Plain CommonJS, so every Node
 * binary runs it as it is, with no loader and no ES module view of `node:http` to build: its
 * spawn-to-first-answer time is what starting Node and listening costs on this machine at this
 * moment, the part of server.ts's start-up that no change to the project can remove.
 */
'use strict';
const { createServer } = require('node:http');

const body = '{"message":"floor"}';
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}).listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
