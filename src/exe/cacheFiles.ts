import { renameSync, writeFileSync } from 'node:fs';

/** Another ktc may be writing the same file at the same time: each writes its own copy and renames it into place, whole. */
export function writeAtomically(path: string, bytes: Uint8Array | string, mode = 0o644): void {
  const partial = `${path}.${String(process.pid)}.partial`;
  writeFileSync(partial, bytes, { mode });
  renameSync(partial, path);
}
