import type { TestApp } from './app.js';

/** What the tests read of an Express router layer. */
interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/**
 * Every route the Express router knows, as "METHOD /path/:param" (Express style), in router order.
 * Skips Nest's not-found handler for excluded paths (app.all(): every method) and `_all` entries.
 */
export function routerRoutes(app: TestApp): string[] {
  const instance = app.app.getHttpAdapter().getInstance() as {
    router?: { stack: RouterLayer[] };
    _router?: { stack: RouterLayer[] };
  };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const routes: string[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    if (Object.keys(layer.route.methods).length > 8) continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') continue;
      routes.push(`${method.toUpperCase()} ${String(layer.route.path)}`);
    }
  }
  return routes;
}
