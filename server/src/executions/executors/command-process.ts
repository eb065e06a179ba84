import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process group was killed (null when it exited by itself). */
  killed: 'timeout' | 'cancelled' | null;
  /** spawn() failed (no such shell, cwd missing…). */
  spawnError?: string;
}

export interface RunOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  /** Each whole line (not cut: the caller masks, then cuts with `cutLine`). */
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Run as this user (the server must be root to switch); undefined = the server's own user. */
  user?: { uid: number; gid: number };
}

/** Longest line kept whole; longer ones are cut (a binary blob with no newline stays bounded). */
export const MAX_LINE_CHARS = 16_384;

/** A line cut to MAX_LINE_CHARS (callers cut after masking, so a secret across the cut is masked whole). */
export function cutLine(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)} … (line cut)` : line;
}

/**
 * Runs argv in its own process group and reports stdout/stderr line by line. On timeout or abort the
 * whole group gets SIGTERM, then SIGKILL after `killGraceMs`; when the main process exits, whatever
 * it left running in its group is killed too (a run leaves nothing behind).
 */
export function runProcess(o: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let killed: ProcessResult['killed'] = null;
    let exited = false;
    let child;
    try {
      child = spawn(o.argv[0], o.argv.slice(1), {
        cwd: o.cwd,
        env: o.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
      });
    } catch (err) {
      resolve({ exitCode: null, signal: null, killed: null, spawnError: (err as Error).message });
      return;
    }
    const pid = child.pid;
    const group = (sig: NodeJS.Signals) => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, sig);
      } catch {
        /* the group is gone */
      }
    };
    let graceTimer: NodeJS.Timeout | null = null;
    const stop = (why: 'timeout' | 'cancelled') => {
      if (killed || exited) return;
      killed = why;
      group('SIGTERM');
      graceTimer = setTimeout(() => group('SIGKILL'), o.killGraceMs);
    };
    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = () => stop('cancelled');
    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });

    const streams: Promise<void>[] = [];
    const readers: Readable[] = [];
    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      if (!stream) continue;
      readers.push(stream);
      stream.setEncoding('utf8');
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line: string) => o.onLine(name, line));
      streams.push(new Promise((r) => rl.once('close', () => r())));
    }

    child.once('exit', (code, sig) => {
      exited = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      // Background children left in the group: kill them (and release the pipes they hold).
      group('SIGKILL');
      if (graceTimer) clearTimeout(graceTimer);
      const drained = Promise.all(streams);
      const guard = new Promise<void>((r) => setTimeout(r, 2000).unref());
      void Promise.race([drained, guard]).then(() => {
        for (const s of readers) s.destroy();
        resolve({ exitCode: code, signal: sig, killed });
      });
    });
    child.on('error', (err) => {
      if (pid !== undefined) return; // 'exit' follows
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode: null, signal: null, killed: null, spawnError: err.message });
    });
  });
}
