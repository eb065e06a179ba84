// Small helpers of the webhook-storm, hostile-input and scale scenarios (the harness is cluster.mjs).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

/** Deterministic PRNG (mulberry32): the same seed gives the same run. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    /** A uuid-shaped string from the PRNG (repeatable "unknown" ids). */
    uuid: () => 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => Math.floor(next() * 16).toString(16)),
  };
}

/** p-th percentile (0..1) of a list of numbers, rounded to 0.1 ms. */
export function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
}

/** Runs `task(i)` for i in 0..n-1 with at most `concurrency` in flight. */
export async function pool(n, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/**
 * A raw HTTP request (node:http, so bodies and headers go out byte for byte, NUL and lone
 * surrogates included): `{ status, text, json, ms }`; network errors resolve `{ status: 0, error }`.
 * `keepAlive: false` opens a connection per request (no idle-socket races to tell apart from resets).
 */
export async function request(url, opts = {}) {
  const res = await request1(url, opts);
  // A kept-alive socket the server closed while idle: resend once on a new one (Node's documented
  // pattern; browsers do the same). The server never saw that request.
  if (res.status === 0 && res.reused && res.code === 'ECONNRESET')
    return { ...(await request1(url, opts)), resent: true };
  return res;
}

function request1(url, { method = 'GET', headers = {}, body, timeoutMs = 30_000, keepAlive = true } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const buf = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(String(body), 'utf8');
    let req;
    try {
      req = http.request(url, {
        method,
        agent: keepAlive ? agent : false,
        headers: { ...headers, ...(buf ? { 'content-length': buf.length } : {}) },
        timeout: timeoutMs,
      });
    } catch (err) {
      // e.g. an invalid character in a header or path: the client refuses to send it
      resolve({ status: -1, error: err.message, ms: 0 });
      return;
    }
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode, text, json, headers: res.headers, ms: performance.now() - t0 });
      });
      res.on('error', (err) => resolve({ status: 0, error: err.message, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (err) =>
      resolve({ status: 0, error: err.message, code: err.code, reused: req.reusedSocket, ms: performance.now() - t0 }),
    );
    req.end(buf);
  });
}

/** True when the module is the process' entry point (`node chaos/scenarios/x.mjs`). */
export function isMain(metaUrl) {
  return process.argv[1] !== undefined && metaUrl === pathToFileURL(process.argv[1]).href;
}
