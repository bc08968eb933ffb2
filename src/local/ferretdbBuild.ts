import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KtcError } from '../errors.js';
import { lastLines, requireTool, runCommand } from './commands.js';
import type { Progress } from './mavenJars.js';
import { ferretdbSourceDir } from '../shipped/ferretdbSource.js';

/** The FerretDB release tools/ferretdb/go.mod requires (FerretDB 1.x: SQLite backend, MongoDB 7.0 wire). */
export const FERRETDB_VERSION = '1.24.2';
/** What tools/ferretdb holds (and the single executable embeds). */
export const SOURCE_FILES = ['main.go', 'go.mod', 'go.sum'] as const;
/** Go that understands go.mod's `toolchain`/`go 1.24` lines (older ones fail; 1.21-1.23 fetch 1.24 themselves). */
const MIN_GO_MINOR = 21;

/** Where tools/ferretdb is: beside the package, or written out by the single executable (src/shipped/ferretdbSource.ts). */
export { ferretdbSourceDir };

/** Changes to main.go, go.mod or go.sum make a new binary; the marker remembers which sources built it. */
function sourceHash(sourceDir: string): string {
  const hash = createHash('sha256');
  for (const file of SOURCE_FILES) hash.update(file).update(readFileSync(join(sourceDir, file)));
  return hash.digest('hex').slice(0, 16);
}

function requireGo(): void {
  const out = requireTool(
    'go',
    ['version'],
    `install Go 1.24 or newer (https://go.dev/dl/, or apt-get install golang-go): ktc local up --mongo builds FerretDB ${FERRETDB_VERSION} with it`,
  );
  const m = /go1\.(\d+)/.exec(out);
  if (m && Number(m[1]) < MIN_GO_MINOR) {
    throw new KtcError(`${out.trim()} is too old to build FerretDB ${FERRETDB_VERSION}: install Go 1.24 or newer (https://go.dev/dl/)`);
  }
}

/**
 * Returns the path of the MongoDB-wire server binary, building it with the installed Go toolchain on first use
 * (Go fetches FerretDB and its modules through its module proxy into its own cache, once). Cached like the
 * Kafka jars, and only trusted once a marker names the sources it was built from.
 */
export async function resolveFerretDb(cacheDir: string, progress: Progress, sourceDir: string = ferretdbSourceDir()): Promise<string> {
  const home = join(cacheDir, `ferretdb-${FERRETDB_VERSION}`);
  const binary = join(home, 'ktc-ferretdb');
  const marker = join(home, '.complete');
  const hash = sourceHash(sourceDir);
  if (existsSync(binary) && existsSync(marker) && readFileSync(marker, 'utf8').startsWith(hash)) return binary;

  requireGo();
  progress(
    `Building FerretDB ${FERRETDB_VERSION} (MongoDB wire protocol, SQLite backend) with Go into ${home} (first run only: Go downloads its modules once, then compiles for a few minutes)...`,
  );
  await mkdir(home, { recursive: true });
  await rm(marker, { force: true });
  const partial = `${binary}.partial`;
  const started = Date.now();
  // Pure Go (modernc.org/sqlite): no C compiler needed, and a static binary.
  const result = await runCommand('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: sourceDir,
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  if (result.code !== 0) {
    await rm(partial, { force: true });
    throw new KtcError(`go build of FerretDB ${FERRETDB_VERSION} failed (is the Go module proxy reachable?): ${lastLines(result.output, 3)}`);
  }
  await rename(partial, binary);
  await writeFile(marker, `${hash} ${new Date().toISOString()}\n`);
  progress(`Built FerretDB ${FERRETDB_VERSION} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}
