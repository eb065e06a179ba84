import { hasTemplateMarkers } from '../templating/template-engine.js';

const TEMPLATE_TOKEN = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const STATIC_PREFIX = /^(https?):\/\/([^/?#]*)/i;

/**
 * The origin (scheme://host:port) a URL template is pinned to. Throws with a reason when the template
 * could change scheme, host or port, or is not an absolute http(s) URL once templates are blanked.
 */
export function staticOrigin(template: string): string {
  const m = STATIC_PREFIX.exec(template);
  if (!m) throw new Error('must be an absolute http(s) URL with a static scheme');
  if (hasTemplateMarkers(m[2]) || m[2].includes('{') || m[2].includes('}')) {
    throw new Error('must not use templates in the scheme, host or port');
  }
  let url: URL;
  try {
    url = new URL(template.replace(TEMPLATE_TOKEN, ''));
  } catch {
    throw new Error('must be a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http(s) URL');
  if (url.username || url.password) throw new Error('must not contain credentials (use a secret header)');
  if (!url.hostname) throw new Error('must name a host');
  return url.origin;
}
