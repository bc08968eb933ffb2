import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KtcError } from '../errors.js';

/**
 * Where ktc's own Go main package lives: `tools/ferretdb` at the package root, found by walking up from this
 * module (it runs from src/ under vitest and from dist/src/ once built). The single executable has no package
 * root: its build puts src/exe/ferretdbSource.ts here.
 */
export function ferretdbSourceDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'tools', 'ferretdb');
    if (existsSync(join(candidate, 'main.go'))) return candidate;
    if (dirname(dir) === dir) throw new KtcError(`tools/ferretdb/main.go is missing from ktc's installation (looked above ${from}): reinstall ktc`);
  }
}
