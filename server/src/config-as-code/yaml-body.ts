import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];
export const YAML_BODY_LIMIT = '5mb';

/** Reads a jobs.yaml request body as text; parser errors answer JSON 413/400 like the JSON parser. */
export function yamlBody(): RequestHandler {
  const parser = express.text({ type: YAML_TYPES, limit: YAML_BODY_LIMIT });
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as Error & { type?: string };
      if (e.type === 'entity.too.large') {
        return res.status(413).json({ statusCode: 413, message: `jobs.yaml larger than ${YAML_BODY_LIMIT}` });
      }
      return res.status(400).json({ statusCode: 400, message: e.message });
    });
}
