export function fnmatchToGlobs(pattern: string): { globs: string[]; exact: boolean };
