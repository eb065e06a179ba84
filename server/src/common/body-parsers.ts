import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { codeForStatus } from './error-codes.js';
import { verifyJsonWidth } from './json-shape.js';

/** Webhook receivers need the raw bytes (signature before parsing) and a larger limit. */
export const WEBHOOK_PATHS = [
  '/webhook',
  '/api/v1/webhooks/github',
  '/api/v1/webhooks/gitlab',
  '/api/v1/webhooks/gitea',
  '/api/v1/webhooks/receive',
];
export const WEBHOOK_BODY_LIMIT = '25mb';
export const JSON_BODY_LIMIT = '1mb';

type ParserError = Error & { type?: string; status?: number };

/** Wrap a body parser so its errors answer JSON 400/413 instead of Express' HTML page. */
function jsonErrors(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as ParserError;
      if (e.type === 'entity.too.large') {
        return res
          .status(413)
          .json({ statusCode: 413, status: 'error', message: 'Payload too large', code: 'PAYLOAD_TOO_LARGE' });
      }
      if (e.type === 'entity.verify.failed') {
        return res.status(400).json({
          statusCode: 400,
          status: 'error',
          message: e.message,
          code: 'BAD_REQUEST',
          params: { message: e.message },
        });
      }
      if (e.type === 'entity.parse.failed') {
        return res
          .status(400)
          .json({ statusCode: 400, status: 'error', message: 'Invalid JSON payload', code: 'INVALID_JSON' });
      }
      return res
        .status(e.status && e.status >= 400 && e.status < 500 ? e.status : 400)
        .json({ statusCode: 400, status: 'error', message: e.message, code: codeForStatus(e.status ?? 400) });
    });
}

/**
 * `app.use(path, …)` also matches sub-paths: keep the raw parser to the receiver paths themselves,
 * so e.g. POST /api/v1/webhooks/github/dry-run gets the ordinary JSON parser.
 */
function exactPath(parser: RequestHandler): RequestHandler {
  return (req, res, next) => (req.path === '/' || req.path === '' ? parser(req, res, next) : next());
}

/** `fanOutMax`: FANOUT_MAX, the longest list a JSON body may hold (see json-shape.ts). */
export function bodyParsers(fanOutMax: number): Array<[string[] | null, RequestHandler]> {
  // One scan of the bytes checks the nesting depth (MAX_JSON_DEPTH) and the widths.
  const verify = verifyJsonWidth(fanOutMax);
  return [
    [WEBHOOK_PATHS, exactPath(jsonErrors(express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT })))],
    [null, jsonErrors(express.json({ limit: JSON_BODY_LIMIT, verify }))],
  ];
}
