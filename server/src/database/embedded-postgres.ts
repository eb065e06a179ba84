import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  clusterLocation,
  DEFAULT_SYSTEM_DIR,
  EmbeddedPostgresError,
  initCluster,
  preparePostgresRuntime,
  startCluster,
  type ClusterOptions,
} from './postgres-process.js';

export { EmbeddedPostgresError } from './postgres-process.js';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster (PG_VERSION, postmaster.pid, ...). */
  dataDir: string;
  port: number;
  /** One-line messages for the operator (recovery, first init). */
  onInfo?: (message: string) => void;
  /** Postgres' own log lines. */
  onLog?: (message: string) => void;
  /**
   * Root-owned folder for what the `postgres` user (used when we run as root) cannot reach in a
   * private checkout or DATA_DIR: a copy of the binaries, the cluster. Default /var/lib/api-manager/embedded-postgres.
   */
  systemDir?: string;
}

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('postgres');
  } catch {
    // No /proc (macOS): fall back to `ps`.
    try {
      const { stdout } = await execFileAsync('ps', ['-p', String(pid), '-o', 'comm=']);
      return stdout.includes('postgres');
    } catch {
      return false;
    }
  }
}

/**
 * A Postgres left running on this data dir by a killed server holds postmaster.pid and the port.
 * Stop it (fast shutdown, then immediate, then SIGKILL) so we can start our own child.
 * Returns the pid that was recovered, if any.
 */
export async function recoverOrphan(dataDir: string): Promise<number | undefined> {
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined) return undefined;
  if (!isAlive(pid) || !(await isPostgresProcess(pid))) {
    // Stale pid file from a crash: Postgres would refuse to start only if the pid is reused by
    // another postgres; remove it so the start is deterministic.
    await rm(path.join(dataDir, 'postmaster.pid'), { force: true });
    return undefined;
  }
  const owner = await liveOwner(pid);
  if (owner !== undefined) {
    throw new EmbeddedPostgresError(
      `The data directory ${dataDir} is in use by another running server (pid ${owner}); stop it or use another DATA_DIR`,
    );
  }
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 10_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        if (signal === 'SIGKILL') await rm(path.join(dataDir, 'postmaster.pid'), { force: true });
        return pid;
      }
      await sleep(50);
    }
  }
  throw new EmbeddedPostgresError(`A Postgres (pid ${pid}) is running on ${dataDir} and did not stop`);
}

/** The parent of a running postgres: a live node process means another server owns it. */
async function liveOwner(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    if (!(ppid > 1) || !isAlive(ppid)) return undefined;
    const cmd = await readFile(`/proc/${ppid}/cmdline`, 'utf8');
    return cmd.includes('node') ? ppid : undefined;
  } catch {
    return undefined;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

/**
 * Start (initialising on first use) a real Postgres from the `embedded-postgres` package's binaries.
 * Idempotent over restarts: reuses PG_VERSION, recovers orphans, and rejects with a one-line
 * EmbeddedPostgresError when Postgres cannot start.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const systemDir = opts.systemDir ?? DEFAULT_SYSTEM_DIR;
  await mkdir(dataDir, { recursive: true });
  // The cluster runs as the `postgres` user when we are root: it must be able to reach the dir.
  await chmod(dataDir, 0o755).catch(() => undefined);
  const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));
  const runtime = await preparePostgresRuntime(systemDir);
  const where = await clusterLocation(dataDir, runtime, systemDir);
  const clusterDir = where.clusterDir;
  const cluster: ClusterOptions = {
    clusterDir,
    port: opts.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: opts.onLog,
  };

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    opts.onInfo?.(
      where.relocated
        ? `Initialising embedded Postgres in ${clusterDir}: the postgres user cannot reach ${dataDir} (a private folder above it); recorded in ${where.record}`
        : `Initialising embedded Postgres in ${clusterDir}`,
    );
    await initCluster(runtime, cluster);
  } else {
    const recovered = await recoverOrphan(clusterDir);
    if (recovered !== undefined) {
      opts.onInfo?.(
        `Recovered embedded Postgres: stopped a server (pid ${recovered}) left running on ${clusterDir} by a previous process`,
      );
    }
  }

  const running = await startCluster(runtime, cluster);
  let stopped = false;
  const onExit = () => running.process.kill('SIGINT');
  process.once('exit', onExit);
  return {
    port: opts.port,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await running.stop();
    },
  };
}
