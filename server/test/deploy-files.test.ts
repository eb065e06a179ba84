/**
 * The deployment files that cannot run here (no Docker engine, no systemd as PID 1), checked as far
 * as real tools allow: docker-compose.yml through Debian's `docker-compose config` (the Compose
 * file schema) plus the structure the deployment needs; the Dockerfiles' stages, user and health
 * check; the systemd unit through `systemd-analyze verify`.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const COMPOSE_ENV = { ...process.env, APP_SECRET: 'compose-test-secret-0123456789abcdef', POSTGRES_PASSWORD: 'pw' };

/** The fields of a Compose service these tests read (optional ones are asserted present or absent). */
interface Service {
  image?: string;
  build: { dockerfile: string };
  deploy: { replicas: number };
  environment: Record<string, string>;
  healthcheck: { test: string[] };
  volumes: string[];
  ports: (string | number)[];
  networks: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** `docker-compose config` (Debian's docker-compose) on a compose file in `dir`. */
function composeConfig(dir: string, file = 'docker-compose.yml') {
  const r = spawnSync('docker-compose', ['-f', path.join(dir, file), '--project-directory', dir, 'config'], {
    env: COMPOSE_ENV,
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`docker-compose could not run (apt-get install docker-compose): ${r.error.message}`);
  return r;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
    networks: Record<string, unknown>;
  };
  const services = compose.services;

  it('is a valid Compose file for docker-compose config, which resolves it as deployed', () => {
    const r = composeConfig(ROOT);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const resolved = parse(r.stdout) as { services: Record<string, Service> };
    expect(Object.keys(resolved.services).sort()).toEqual(['admin', 'postgres', 'server']);
    expect(resolved.services.server!.deploy.replicas).toBe(2);
    expect(resolved.services.server!.environment.DATABASE_URL).toBe(
      'postgres://api_manager:pw@postgres:5432/api_manager',
    );
    expect(resolved.services.server!.environment.APP_SECRET).toBe(COMPOSE_ENV.APP_SECRET);
  });

  it('docker-compose config rejects a broken copy and a missing APP_SECRET (the check is real)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apm-compose-'));
    try {
      writeFileSync(
        path.join(dir, 'docker-compose.yml'),
        read('docker-compose.yml').replace('    healthcheck:\n', '    healthchek:\n'),
      );
      const broken = composeConfig(dir);
      expect(broken.status).not.toBe(0);
      expect(broken.stderr).toMatch(/healthchek/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config'], {
      env: { ...COMPOSE_ENV, APP_SECRET: '' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/set APP_SECRET/);
  });

  it('postgres:17 with a named volume and a pg_isready health check', () => {
    const pg = services.postgres!;
    expect(pg.image).toBe('postgres:17');
    const [volume, mount] = String(pg.volumes[0]).split(':');
    expect(mount).toBe('/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain(volume);
    expect(pg.healthcheck.test.join(' ')).toMatch(/pg_isready/);
  });

  it('two server replicas built from ops/docker/server.Dockerfile, healthy when /api/health/ready is', () => {
    const server = services.server!;
    expect(server.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(ROOT, server.build.dockerfile))).toBe(true);
    expect(server.build.dockerfile).toBe('ops/docker/server.Dockerfile');
    expect(server.healthcheck.test.join(' ')).toContain('/api/health/ready');
    // Replicas cannot share a fixed host port.
    expect(server.ports).toBeUndefined();
    expect(server.environment.DATABASE_URL).toMatch(/@postgres:5432\//);
  });

  it('the admin image (ops/docker/admin.Dockerfile) publishes the only host port', () => {
    const admin = services.admin!;
    expect(admin.build.dockerfile).toBe('ops/docker/admin.Dockerfile');
    expect(existsSync(path.join(ROOT, admin.build.dockerfile))).toBe(true);
    expect(admin.ports).toHaveLength(1);
    expect(String(admin.ports[0])).toMatch(/:8080$/);
    expect(admin.environment.API_UPSTREAM).toBe('server:3000');
    expect(admin.healthcheck.test.join(' ')).toContain('/healthz');
  });

  it('every depends_on waits for service_healthy of a service that has a health check', () => {
    let edges = 0;
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(svc.depends_on ?? {})) {
        edges++;
        expect([name, dep, cond.condition]).toEqual([name, dep, 'service_healthy']);
        expect(services[dep]?.healthcheck).toBeDefined();
      }
    }
    expect(edges).toBe(2); // server → postgres, admin → server
  });

  it('one network for every service, and no host.docker.internal', () => {
    expect(Object.keys(compose.networks)).toHaveLength(1);
    const [network] = Object.keys(compose.networks);
    for (const svc of Object.values(services)) expect(svc.networks).toEqual([network]);
    expect(read('docker-compose.yml')).not.toMatch(/host\.docker\.internal/);
    expect(read('ops/nginx/admin-container.conf.template')).not.toMatch(/host\.docker\.internal/);
  });
});

/** The instructions of a Dockerfile's last stage (after its last FROM). */
function finalStage(text: string): string[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const from = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
  expect(from.length).toBeGreaterThanOrEqual(2); // multi-stage
  return lines.slice(from.at(-1));
}

describe('Dockerfiles', () => {
  it('server: multi-stage, runs as a non-root user, HEALTHCHECK on /api/health/ready', () => {
    const stage = finalStage(read('ops/docker/server.Dockerfile'));
    const user = stage.filter((l) => /^USER\s/i.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/\b(root|0)\b/);
    expect(stage.find((l) => /^HEALTHCHECK\s/i.test(l))).toContain('/api/health/ready');
    expect(stage.find((l) => /^CMD\s/i.test(l))).toContain('dist/server/src/main.js');
  });

  it('admin: multi-stage Angular build served by nginx with the tested config template', () => {
    const text = read('ops/docker/admin.Dockerfile');
    const stage = finalStage(text);
    expect(stage[0]).toMatch(/^FROM nginx:/);
    expect(text).toMatch(/npm run build:admin/);
    const copies = stage.filter((l) => /^COPY\s/i.test(l));
    expect(copies.join('\n')).toContain('ops/nginx/admin-container.conf.template /etc/nginx/templates/');
    expect(copies.join('\n')).toMatch(/--from=build \/app\/dist\/admin\/browser \/usr\/share\/nginx\/html/);
    expect(existsSync(path.join(ROOT, 'ops/nginx/admin-container.conf.template'))).toBe(true);
    expect(stage.find((l) => /^HEALTHCHECK\s/i.test(l))).toContain('/healthz');
  });

  it('.dockerignore keeps local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
  });
});

describe('ops/systemd/api-manager.service', () => {
  const unit = read('ops/systemd/api-manager.service');
  const verify = (file: string) => spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });

  it('passes systemd-analyze verify without a warning; a misspelt copy does not', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apm-unit-'));
    try {
      const good = path.join(dir, 'api-manager.service');
      writeFileSync(good, unit);
      const r = verify(good);
      if (r.error) throw new Error(`systemd-analyze could not run (apt-get install systemd): ${r.error.message}`);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const bad = path.join(dir, 'bad.service');
      writeFileSync(bad, unit.replace('NoNewPrivileges=yes', 'NoNewPrivilegez=yes'));
      expect(verify(bad).stderr).toMatch(/Unknown key 'NoNewPrivilegez'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is hardened, runs as its own user with an EnvironmentFile, and stops gracefully', () => {
    const settings = new Map(
      unit
        .split('\n')
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
    );
    expect(settings.get('User')).toBe('api-manager');
    expect(settings.get('EnvironmentFile')).toBe('/etc/api-manager/api-manager.env');
    expect(settings.get('NoNewPrivileges')).toBe('yes');
    expect(settings.get('ProtectSystem')).toBe('strict');
    expect(settings.get('ProtectHome')).toBe('yes');
    expect(settings.get('PrivateTmp')).toBe('yes');
    expect(settings.get('CapabilityBoundingSet')).toBe('');
    expect(settings.get('StateDirectory')).toBe('api-manager');
    expect(settings.get('KillSignal')).toBe('SIGTERM');
    expect(parseInt(settings.get('TimeoutStopSec')!, 10)).toBeGreaterThan(10); // > SHUTDOWN_GRACE_MS
    expect(settings.get('ExecStart')).toContain('dist/server/src/main.js');
  });
});
