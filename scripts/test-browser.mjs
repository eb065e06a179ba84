// The Chromium the tests drive (admin e2e, server/test/nginx.test.ts), on a machine with Node alone:
// CHROMIUM_PATH, else the system's /usr/bin/chromium, else the Chromium inside the npm package
// @sparticuz/chromium (unpacked to the temp dir on first use). Japanese text needs a CJK font, which
// a bare machine lacks: a fontconfig file adds Noto Sans JP from the npm package @embedpdf/fonts-jp
// (and keeps the system's fonts when it has any).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Path of the Chromium to launch, and where it came from. */
export async function chromiumExecutable() {
  if (process.env.CHROMIUM_PATH) return { path: process.env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  const system = SYSTEM_CHROMIUM.find((p) => existsSync(p));
  if (system) return { path: system, source: 'system' };
  const { default: packaged } = await import('@sparticuz/chromium');
  return { path: await packaged.executablePath(), source: '@sparticuz/chromium' };
}

/** Folder holding the Noto Sans JP font files of the npm package. */
export function cjkFontDir() {
  return path.join(path.dirname(require.resolve('@embedpdf/fonts-jp')), '..', 'fonts');
}

/** A fontconfig file: the system's configuration (when present), plus the packaged fonts. */
export async function fontconfigFile() {
  const dir = path.join(os.tmpdir(), `api-manager-fontconfig-${process.getuid?.() ?? 'user'}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'fonts.conf');
  const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${cjkFontDir()}</dir>
  <dir>${path.join(os.tmpdir(), 'fonts')}</dir>
  <cachedir>${path.join(dir, 'cache')}</cachedir>
</fontconfig>
`;
  await writeFile(file, xml);
  return file;
}

/** Options for playwright-core's chromium.launch(): executable, headless flags, the font environment. */
export async function chromiumLaunchOptions() {
  const executable = await chromiumExecutable();
  return {
    executablePath: executable.path,
    env: { ...process.env, FONTCONFIG_FILE: await fontconfigFile() },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  };
}
