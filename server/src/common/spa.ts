import { existsSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';

/**
 * Serve the built admin SPA at `/`: static files, and index.html for any other GET that is not
 * under /api (deep links). Returns no handlers when the build is missing.
 */
export function spaHandlers(distDir: string): RequestHandler[] {
  const dir = path.resolve(distDir);
  const index = path.join(dir, 'index.html');
  if (!distDir || !existsSync(index)) return [];
  const fallback: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/api' || req.path.startsWith('/api/') || req.path === '/webhook') return next();
    if (path.extname(req.path)) return next(); // a missing asset is a 404, not the SPA
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  };
  return [express.static(dir, { index: false, maxAge: '1h' }), fallback];
}
