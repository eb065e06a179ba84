import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type TargetHandler = (req: TargetRequest, res: http.ServerResponse) => unknown;

export interface HttpTarget {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: TargetRequest[];
  /** Requests received for a path (without query). */
  hits(path: string): TargetRequest[];
  /** Route handlers by path (without query); default answers 200 {"ok":true}. */
  on(path: string, handler: TargetHandler): void;
  close(): Promise<void>;
}

/** A real local HTTP server for executions to call (no mocks). */
export async function startHttpTarget(): Promise<HttpTarget> {
  const routes = new Map<string, TargetHandler>();
  const requests: TargetRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: TargetRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(r);
      const handler = routes.get(r.url.split('?')[0]);
      Promise.resolve(
        handler
          ? handler(r, res)
          : (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{"ok":true}')),
      ).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hits: (path) => requests.filter((r) => r.url.split('?')[0] === path),
    on: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Poll `fn` until it returns a truthy value (or throw after `timeoutMs`). */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}
