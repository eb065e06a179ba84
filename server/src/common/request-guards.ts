import type { NextFunction, Request, Response } from 'express';
import type { Socket } from 'node:net';

/**
 * Deepest JSON nesting a request body may have (validation and transformation recurse per level; a few
 * thousand levels overflow the stack → a 500). Checked on the bytes before parsing (json-shape.ts).
 */
export const MAX_JSON_DEPTH = 64;

function hasNul(v: unknown, seen = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (seen > MAX_JSON_DEPTH || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => hasNul(x, seen + 1));
  return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x, seen + 1));
}

/**
 * Postgres text and jsonb cannot hold U+0000: a NUL in the path, the query or a JSON body would
 * fail deep in a query (a 500). Refuse it up front with a 400 that says so.
 */
export function rejectNulCharacters(req: Request, res: Response, next: NextFunction): void {
  let path = req.path;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    /* malformed escapes: the router answers them */
  }
  const body = Buffer.isBuffer(req.body) ? undefined : (req.body as unknown);
  if (path.includes('\u0000') || hasNul(req.query) || hasNul(body)) {
    res.status(400).json({
      statusCode: 400,
      message: 'The request contains a NUL character (\\u0000), which is not allowed',
      error: 'Bad Request',
    });
    return;
  }
  next();
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request line or headers are larger than 16 KB'],
  HPE_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request was not received in time'],
};

/**
 * The HTTP server's 'clientError' handler: requests Node refuses before the application sees them
 * (a URL or headers over 16 KB, malformed HTTP) get a JSON body that says what was wrong, instead of
 * Node's empty 400/431.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'Malformed HTTP request'];
  const body = JSON.stringify({ statusCode: status, message, error: reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
