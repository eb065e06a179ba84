import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config.js';
import { SECRET_KEY_FILE, SecretBox, SecretBoxError } from './secret-box.js';

const box = (env: Record<string, string>) => new SecretBox(loadConfig(env));

describe('SecretBox', () => {
  const secret = 'x'.repeat(40);

  it('round-trips and never repeats a ciphertext', () => {
    const b = box({ APP_SECRET: secret });
    const a = b.encrypt('Bearer top-secret ✓');
    const c = b.encrypt('Bearer top-secret ✓');
    expect(a).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('top-secret');
    expect(a).not.toBe(c);
    expect(b.decrypt(a)).toBe('Bearer top-secret ✓');
    expect(b.decrypt(c)).toBe('Bearer top-secret ✓');
    expect(b.encrypt('')).toMatch(/^enc:v1:/);
    expect(b.decrypt(b.encrypt(''))).toBe('');
  });

  it('rejects another key, tampering and garbage', () => {
    const sealed = box({ APP_SECRET: secret }).encrypt('v');
    expect(() => box({ APP_SECRET: 'y'.repeat(40) }).decrypt(sealed)).toThrow(SecretBoxError);
    const raw = Buffer.from(sealed.slice('enc:v1:'.length), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => box({ APP_SECRET: secret }).decrypt('enc:v1:' + raw.toString('base64url'))).toThrow(SecretBoxError);
    expect(() => box({ APP_SECRET: secret }).decrypt('enc:v1:abc')).toThrow(SecretBoxError);
    expect(() => box({ APP_SECRET: secret }).decrypt('plain')).toThrow(SecretBoxError);
  });

  it('seal() does not encrypt twice; isEncrypted recognises the format', () => {
    const b = box({ APP_SECRET: secret });
    const s = b.seal('v');
    expect(b.seal(s)).toBe(s);
    expect(SecretBox.isEncrypted(s)).toBe(true);
    expect(SecretBox.isEncrypted('v')).toBe(false);
    expect(SecretBox.isEncrypted(undefined)).toBe(false);
  });

  it('without APP_SECRET generates one key file (0600) in DATA_DIR and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-secret-'));
    try {
      const first = box({ DATA_DIR: dir });
      const sealed = first.encrypt('hello');
      const file = join(dir, SECRET_KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8');
      expect(key.trim().length).toBeGreaterThanOrEqual(32);
      // A second process (new instance) reads the same key.
      expect(box({ DATA_DIR: dir }).decrypt(sealed)).toBe('hello');
      expect(readFileSync(file, 'utf8')).toBe(key);
      // APP_SECRET, when set, wins over the file.
      expect(() => box({ DATA_DIR: dir, APP_SECRET: secret }).decrypt(sealed)).toThrow(SecretBoxError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
