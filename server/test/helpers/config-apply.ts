import type { TestApp } from './app.js';

/** POST a YAML document to /api/v1/config/apply (`qs` e.g. '?dryRun=true'; as the admin unless `headers` say otherwise). */
export function applyYaml(app: TestApp, text: string, qs = '', headers: Record<string, string> = app.authHeaders) {
  return app.api('POST', `/api/v1/config/apply${qs}`, text, { 'content-type': 'application/yaml', ...headers });
}
