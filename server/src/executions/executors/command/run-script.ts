import { chmod, chown, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandLog } from '../command-log.js';
import { runProcess } from '../command-process.js';
import type { CommandOutcome } from './outcome.js';

export interface ScriptRun {
  shell: string;
  script: string;
  timeoutMs: number;
  root: string;
  cwd: string;
  env: Record<string, string>;
  deadline: number;
  killGraceMs: number;
  signal: AbortSignal;
  /** The run's deadline passed (the abort came from the timeout, not a cancel). */
  timedOut: () => boolean;
  user?: { uid: number; gid: number };
}

export interface ScriptResult {
  status: CommandOutcome['status'];
  error: string | null;
  retryable: boolean;
  response: Record<string, unknown>;
  summary: string | null;
}

/** Step 3 (run): write the script to a file, run it in its own process group, stream its lines into `log`. */
export async function runScript(r: ScriptRun, log: CommandLog): Promise<ScriptResult> {
  const scriptFile = path.join(r.root, 'script');
  await writeFile(scriptFile, r.script.endsWith('\n') ? r.script : `${r.script}\n`);
  await chmod(scriptFile, 0o700);
  if (r.user) await chown(scriptFile, r.user.uid, r.user.gid);
  const argv = [...r.shell.split(' '), scriptFile];
  log.note('info', `Running the script with ${r.shell} in ${path.relative(r.root, r.cwd) || '.'}`);
  const started = performance.now();
  const result = await runProcess({
    argv,
    cwd: r.cwd,
    env: r.env,
    timeoutMs: Math.max(1, r.deadline - Date.now()),
    killGraceMs: r.killGraceMs,
    signal: r.signal,
    user: r.user,
    onLine: (stream, line) => log.output(stream === 'stderr' ? 'warn' : 'info', line),
  });
  const took = Math.round(performance.now() - started);
  const response = { exitCode: result.exitCode, signal: result.signal, durationMs: took };
  const out = (status: CommandOutcome['status'], error: string | null, retryable: boolean): ScriptResult => ({
    status,
    error,
    retryable,
    response,
    summary: null,
  });
  if (result.spawnError) return out('failed', `Could not start ${r.shell}: ${result.spawnError}`, false);
  if (result.killed === 'timeout' || (result.killed === 'cancelled' && r.timedOut())) {
    return out('timed_out', `Timed out after ${r.timeoutMs} ms: the process group was killed`, true);
  }
  if (result.killed === 'cancelled')
    return out('cancelled', 'Cancelled while running: the process group was killed', false);
  if (result.exitCode !== 0) {
    const error =
      result.exitCode === null
        ? `The script was killed by ${result.signal}`
        : `The script exited with code ${result.exitCode}`;
    return out('failed', error, true);
  }
  return { ...out('succeeded', null, false), summary: `The script exited with code 0 in ${took} ms` };
}
