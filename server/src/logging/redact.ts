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

/**
 * Query parameter names that carry a credential (matched case-insensitively, also as a suffix after
 * `_`, `-` or `.`, e.g. `client_secret`, `x-api-key`): request logs show `[REDACTED]` for their values.
 * (Server-only: the contracts library is types only at run time.)
 */
export const CREDENTIAL_QUERY_PARAMS = [
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'password',
  'passwd',
  'pwd',
  'secret',
  'signature',
  'sig',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'session',
  'sid',
  'code',
] as const;

const CREDENTIAL_NAME = new RegExp(
  `(^|[_.-])(${CREDENTIAL_QUERY_PARAMS.map((n) => n.replace(/[-]/g, '\\-')).join('|')})$`,
  'i',
);

/** True when a query parameter's name looks like it carries a credential. */
export function isCredentialParam(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** A request URL for the log: credential-looking query values replaced by `[REDACTED]`. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* keep the raw name */
      }
      return eq >= 0 && isCredentialParam(name.trim()) ? `${rawName}=[REDACTED]` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/**
 * pino-http serializers: a request is its id, method and URL (credential query values redacted); a
 * response is its status only (its headers — cookies, echoed values — are not logged, on a 4xx either).
 */
export const HTTP_LOG_SERIALIZERS = {
  req: (req: { id: string; method: string; url: string }) => ({
    id: req.id,
    method: req.method,
    url: redactUrl(req.url),
  }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
};
