import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface MockServices {
  url: string;
  proc: ChildProcess;
  /** Every line the mock printed (one per request it served). */
  lines: string[];
}

/** The WatchMe mock services (examples/mock-services/server.mjs) on a free port. */
export async function startMock(): Promise<MockServices> {
  const proc = spawn(process.execPath, ['examples/mock-services/server.mjs', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (chunk: string) => {
      lines.push(...chunk.split('\n').filter(Boolean));
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`mock services exited with ${code}`)));
  });
  return { url, proc, lines };
}

export async function stopMock(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  proc.kill('SIGTERM');
  await once(proc, 'exit');
}
