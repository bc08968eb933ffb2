import { existsSync, readFileSync } from 'node:fs';

/**
 * ktc's version, from the package.json shipped beside its code (dist/src/shipped when built, src/shipped when tests
 * import the source). The single executable has no package.json beside it: its build puts src/exe/version.ts here.
 */
export function ktcVersion(): string {
  const file = ['../../../package.json', '../../package.json'].map((p) => new URL(p, import.meta.url)).find((url) => existsSync(url));
  if (!file) return 'unknown';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
