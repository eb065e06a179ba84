import type { HelmetOptions } from 'helmet';

/**
 * helmet's defaults, with a CSP that the Angular admin and Swagger UI (/api/docs) both work under:
 * scripts and styles from 'self'; inline styles allowed (Angular inlines critical CSS, Material and
 * Swagger UI set style attributes). Angular's critical-CSS loader is `onload="this.media='all'"`:
 * that one inline handler is allowed by its hash. No upgrade-insecure-requests: plain-http LAN
 * installs must keep loading their own assets.
 */
export function securityHeaders(): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'unsafe-hashes'", "'sha256-MhtPZXr7+LpJUY5qtMutB+qWfQtMaPccfe7QXtCcEYc='"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
      },
    },
    // The SPA and the API are same-origin; nothing is embedded cross-origin.
    crossOriginEmbedderPolicy: false,
  };
}
