export class ToyciError extends Error {}
export function slug(name: string): string;
export function fnmatchToGlob(pattern: string): string;
export function differences(pattern: string, glob: string): string[];
export function convertToyci(
  text: string,
  opts?: { repository?: string; tokenEnv?: string; secretEnv?: string },
): string;
