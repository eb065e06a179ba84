#!/usr/bin/env node
// A tiny stand-in for the WatchMe services, so examples/watchme.jobs.yaml runs locally:
//   node examples/mock-services/server.mjs [--port 8090]        (or MOCK_PORT=8090)
// Every endpoint answers JSON at once and logs one line per request. No dependencies.
import { createServer } from 'node:http';

const argPort = process.argv.indexOf('--port');
const port = Number(argPort > 0 ? process.argv[argPort + 1] : (process.env.MOCK_PORT ?? 8090));
const delayMs = Number(process.env.MOCK_DELAY_MS ?? 50);

const score = (s) => [...String(s)].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 1000, 7) / 10;

/** path -> (input) => JSON answer. `input` merges the query string and the JSON body. */
const routes = {
  'GET /health': () => ({ status: 'ok' }),
  'GET /devices/ready': (i) => ({
    status: 'ok',
    device_id: i.device_id,
    date: i.date,
    time_block: i.time_block,
    ready: true,
  }),
  'POST /transcriber/process': (i) => ({
    status: 'ok',
    device_id: i.device_id,
    date: i.date,
    time_block: i.time_block,
    transcribed: 6,
  }),
  'POST /behavior-features/process': (i) => ({ status: 'ok', device_id: i.device_id, events: 12, top: 'speech' }),
  'POST /emotion-features/process': (i) => ({ status: 'ok', device_id: i.device_id, segments: 6, dominant: 'calm' }),
  'POST /aggregator/behavior': (i) => ({ status: 'ok', device_id: i.device_id, date: i.date, blocks: 48 }),
  'POST /aggregator/emotion': (i) => ({ status: 'ok', device_id: i.device_id, date: i.date, blocks: 48 }),
  'POST /aggregator/vibe': (i) => ({ status: 'ok', device_id: i.device_id, date: i.date, transcripts: 24 }),
  'POST /vibe-scorer/score': (i) => ({
    status: 'ok',
    device_id: i.device_id,
    date: i.date,
    vibe_score: score(i.device_id + i.date),
  }),
  'GET /generate-timeblock-prompt': (i) => ({
    status: 'ok',
    prompt: `Analyse the psychological state of ${i.device_id} on ${i.date} during ${i.time_block}: calm, some speech.`,
  }),
  'POST /analysis/timeblock': (i) => ({
    status: 'ok',
    device_id: i.device_id,
    summary: `Mostly calm (${String(i.prompt ?? '').length} prompt characters read).`,
    vibe_score: score(i.prompt ?? ''),
  }),
  // ToyCI-style endpoints (examples/toyci.jobs.yaml)
  'POST /ci/test': (i) => ({ status: 'ok', commit: i.commit, passed: 42, failed: 0 }),
  'POST /ci/deploy': (i) => ({ status: 'ok', environment: i.environment, commit: i.commit }),
  'POST /ci/docs': (i) => ({ status: 'ok', commit: i.commit, pages: 12 }),
  'POST /dashboard/summary': (i) => ({ status: 'ok', device_id: i.device_id, date: i.date, summary: 'A calm day.' }),
};

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body = {};
    const text = Buffer.concat(chunks).toString('utf8');
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { text };
      }
    }
    const input = { ...Object.fromEntries(url.searchParams), ...(body && typeof body === 'object' ? body : {}) };
    const handler = routes[`${req.method} ${url.pathname}`];
    const [status, answer] = handler
      ? [200, handler(input)]
      : [404, { status: 'error', message: `no mock for ${req.method} ${url.pathname}` }];
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
      console.log(`${new Date().toISOString()} ${req.method} ${url.pathname} ${input.device_id ?? ''} -> ${status}`);
    }, delayMs);
  });
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`WatchMe mock services on http://127.0.0.1:${actual} (${Object.keys(routes).length} endpoints)`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
