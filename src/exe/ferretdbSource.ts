import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAsset } from 'node:sea';
import { SOURCE_FILES } from '../local/ferretdbBuild.js';
import { defaultCacheDir } from '../local/layout.js';
import type * as shipped from '../shipped/ferretdbSource.js';
import { ferretdbAsset } from './assets.js';
import { writeAtomically } from './cacheFiles.js';

/**
 * In the single executable, src/shipped/ferretdbSource.ts: `go build` needs the package on disk, so the embedded
 * tools/ferretdb files are written into ktc's cache, in a directory named after their digest.
 */
export const ferretdbSourceDir: typeof shipped.ferretdbSourceDir = () => {
  const files = SOURCE_FILES.map((file) => ({ file, text: getAsset(ferretdbAsset(file), 'utf8') }));
  const digest = createHash('sha256');
  for (const { file, text } of files) digest.update(file).update(text);
  const dir = join(defaultCacheDir(), `ferretdb-source-${digest.digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  for (const { file, text } of files) {
    const path = join(dir, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeAtomically(path, text);
  }
  return dir;
};
