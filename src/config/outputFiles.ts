import { closeSync, mkdtempSync, openSync, rmdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Why writing to `path` failed, in words that say what to fix; follows "<flag> <path> ". */
export function writeFailure(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const dir = dirname(resolve(path));
  switch (code) {
    case 'ENOENT':
      return `cannot be written: directory ${dir} does not exist`;
    case 'ENOTDIR':
      return `cannot be written: a part of ${dir} is a file, not a directory`;
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be written: permission denied';
    case 'EROFS':
      return 'cannot be written: read-only file system';
    case 'ENOSPC':
      return 'cannot be written: no space left on the device';
    default:
      return `cannot be written (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

/**
 * Whether ktc can create (or append to) the file at `path`, found by opening
 * it for append, the way ktc writes it later. A file that did not exist is
 * removed again, so a run that stops before the end leaves nothing behind.
 * Permission bits alone cannot tell: root passes them everywhere, /proc and
 * read-only mounts still refuse.
 */
export function outputFileProblem(path: string): string | undefined {
  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR and the like: opening it below says why.
  }
  if (stats?.isDirectory()) return 'is a directory, not a file';
  try {
    closeSync(openSync(path, 'a'));
    if (!stats) unlinkSync(path);
    return undefined;
  } catch (err) {
    return writeFailure(path, err);
  }
}

/**
 * Whether `path` can be (or become) a directory ktc keeps files in. With
 * `writable`, the directory, or its nearest existing parent when ktc will
 * create it, must let ktc create entries: probed by making and removing one.
 */
export function directoryProblem(path: string, writable: boolean): string | undefined {
  let existing = resolve(path);
  for (;;) {
    let stats: Stats | undefined;
    try {
      stats = statSync(existing, { throwIfNoEntry: false });
    } catch (err) {
      // ENOTDIR: a parent is a file, which the walk up reports by name.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') return writeFailure(join(existing, 'x'), err);
    }
    if (stats) {
      if (!stats.isDirectory()) return existing === resolve(path) ? 'is a file, not a directory' : `cannot be created: ${existing} is a file, not a directory`;
      break;
    }
    if (dirname(existing) === existing) break;
    existing = dirname(existing);
  }
  if (!writable) return undefined;
  try {
    rmdirSync(mkdtempSync(join(existing, '.ktc-probe-')));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = existing === resolve(path) ? '' : ` (in ${existing})`;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT'
      ? `cannot be written${where}: ${code === 'EROFS' ? 'read-only file system' : code === 'ENOENT' ? 'the file system takes no new directories there' : 'permission denied'}`
      : `cannot be written${where} (${code ?? String(err)})`;
  }
}
