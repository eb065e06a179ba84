import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const MAIN = new URL('../../dist/server/src/main.js', import.meta.url).pathname;

function boot(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('boot with bad configuration', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:server first`);
  });

  it('exits 1 with one line naming the variable and the rule', async () => {
    const { code, stderr } = await boot({ PORT: 'not-a-port' });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: PORT="not-a-port": /);
  });

  it('names a bad time zone', async () => {
    const { code, stderr } = await boot({ DEFAULT_TIMEZONE: 'Asia/Atlantis' });
    expect(code).toBe(1);
    expect(stderr).toContain('DEFAULT_TIMEZONE="Asia/Atlantis"');
    expect(stderr).toContain('IANA time zone');
  });
});
