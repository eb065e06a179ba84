export class ToyciError extends Error {}
export const DISCORD_CHANNEL: string;
export function slug(name: string): string;
export { fnmatchToGlobs } from './toyci-globs.js';
export function repositoryFromUrl(url: string): { host: string; repository: string } | null;
export function toyciScript(job: Record<string, unknown>, where: string): { script: string; windows: string[] };
export interface ToyciOptions {
  repository?: string;
  tokenEnv?: string;
  secretEnv?: string;
  repoConfig?: boolean;
  env?: Record<string, string | undefined>;
}
export function convertToyci(text: string, opts?: ToyciOptions): string;
export function convertToyciReport(text: string, opts?: ToyciOptions): { yaml: string; warnings: string[] };
