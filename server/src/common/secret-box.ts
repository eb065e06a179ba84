import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_FILE = 'app-secret.key';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/**
 * Secrets at rest (guarantee 5): AES-256-GCM, `enc:v1:<base64url(iv | tag | ciphertext)>`.
 * Key = SHA-256(APP_SECRET); when APP_SECRET is unset, a random key generated once into
 * `${DATA_DIR}/app-secret.key` (mode 0600). Replicas must then share APP_SECRET instead.
 */
@Injectable()
export class SecretBox {
  private readonly logger = new Logger(SecretBox.name);
  private key?: Buffer;

  constructor(private readonly config: AppConfig) {}

  /** True when `value` is a string this box produced (it may still fail to decrypt with another key). */
  static isEncrypted(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  isEncrypted(value: unknown): value is string {
    return SecretBox.isEncrypted(value);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.getKey(), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
  }

  decrypt(sealed: string): string {
    if (!SecretBox.isEncrypted(sealed)) throw new SecretBoxError('Not an encrypted value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('Encrypted value is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.getKey(), raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('Cannot decrypt a stored secret: APP_SECRET (or the key file) changed');
    }
  }

  /** Encrypt unless already encrypted. */
  seal(value: string): string {
    return SecretBox.isEncrypted(value) ? value : this.encrypt(value);
  }

  private getKey(): Buffer {
    this.key ??= this.loadKey();
    return this.key;
  }

  private loadKey(): Buffer {
    if (this.config.APP_SECRET) return createHash('sha256').update(this.config.APP_SECRET, 'utf8').digest();
    const file = join(this.config.DATA_DIR, SECRET_KEY_FILE);
    mkdirSync(this.config.DATA_DIR, { recursive: true });
    // Written to a temp file then hard-linked: link() is atomic and fails when another process won.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    try {
      linkSync(tmp, file);
      this.logger.warn(
        `APP_SECRET is not set: generated a key for secrets at rest in ${file}. ` +
          'Set APP_SECRET (the same value on every replica) before running more than one server.',
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      this.logger.warn(
        `APP_SECRET is not set: using the key in ${file} for secrets at rest. ` +
          'Set APP_SECRET (the same value on every replica) before running more than one server.',
      );
    } finally {
      unlinkSync(tmp);
    }
    const material = readFileSync(file, 'utf8').trim();
    if (material.length < 32) throw new SecretBoxError(`Key file ${file} is empty or too short`);
    return createHash('sha256').update(material, 'utf8').digest();
  }
}
