/**
 * Log fields that never reach a log line in clear. pino's redaction works on paths; these cover
 * request headers and any object field named like a secret, at the top level and one level down.
 */
const SECRET_KEYS = [
  'password',
  'secret',
  'token',
  'apiKey',
  'api_key',
  'authorization',
  'cookie',
  'accessToken',
  'refreshToken',
  'clientSecret',
];

export const REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-gitlab-token"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];
