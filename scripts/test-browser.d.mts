import type { LaunchOptions } from 'playwright-core';

export function chromiumExecutable(): Promise<{ path: string; source: string }>;
export function cjkFontDir(): string;
export function fontconfigFile(): Promise<string>;
export function chromiumLaunchOptions(): Promise<LaunchOptions>;
