import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';

/**
 * Serve the built admin SPA at `/`: static files, and index.html for any other GET that is not
 * under /api (deep links). Returns no handlers when the build is missing.
 * `baseHref` other than `/` (ADMIN_BASE_HREF) is written into index.html's `<base href>`, for a
 * reverse proxy that serves this server's `/` under a prefix (ops/nginx/api-manager.conf: /manager/).
 */
export function spaHandlers(distDir: string, baseHref = '/'): RequestHandler[] {
  const dir = path.resolve(distDir);
  const index = path.join(dir, 'index.html');
  if (!distDir || !existsSync(index)) return [];
  const html = baseHref === '/' ? null : withBaseHref(readFileSync(index, 'utf8'), baseHref);
  // With a rewritten <base href>, /index.html itself is answered from memory too.
  const isRewrittenIndex = (p: string) => html !== null && p === '/index.html';
  const fallback: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/api' || req.path.startsWith('/api/') || req.path === '/webhook') return next();
    if (path.extname(req.path) && !isRewrittenIndex(req.path)) return next(); // a missing asset is a 404, not the SPA
    res.setHeader('Cache-Control', 'no-cache');
    if (html === null) return res.sendFile(index);
    res.type('html').send(html);
  };
  const assets = express.static(dir, { index: false, maxAge: '1h' });
  const files: RequestHandler = (req, res, next) => (isRewrittenIndex(req.path) ? next() : assets(req, res, next));
  return [files, fallback];
}

/** index.html with its `<base href="…">` set to `baseHref` (added to <head> when it has none). */
export function withBaseHref(html: string, baseHref: string): string {
  const tag = `<base href="${baseHref}" />`;
  if (/<base\s[^>]*>/i.test(html)) return html.replace(/<base\s[^>]*>/i, tag);
  return html.replace(/<head([^>]*)>/i, `<head$1>${tag}`);
}
