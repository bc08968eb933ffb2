#!/usr/bin/env node
// Compiles ktc's own native addon, src/native/crc32c.c (CRC-32C on SSE 4.2, ~4.5x @node-rs/crc32's speed on the
// benchmark machine), src/native/records.c (the consumer's record scanner) and src/native/payloads.c (its reader of
// ktc's binary payloads), into dist/native/crc32c.node. Part of `npm run build`. The addon is optional: where it
// cannot be built (not x86-64, no C compiler, no Node-API headers) this says why on one line and exits 0, and ktc
// checks CRCs with @node-rs/crc32 and walks records and reads payloads in TypeScript instead. Only Node built-ins here.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// One addon: the CRC-32C (crc32c.c, which holds its init), the consumer's record scanner (records.c) and payload reader (payloads.c).
const sources = ['crc32c.c', 'records.c', 'payloads.c'].map((file) => join(root, 'src', 'native', file));
const inputs = [...sources, join(root, 'src', 'native', 'recordFields.h')];
const target = join(root, 'dist', 'native', 'crc32c.node');

/** Node-API's headers are the same for every Node version: the running Node's, else the system's. */
const HEADER_DIRS = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];

function skip(why) {
  process.stderr.write(`Not building the native addon (${why}): ktc checks CRCs with @node-rs/crc32, ~4x slower, and walks records in TypeScript.\n`);
  process.exit(0);
}

if (existsSync(target) && inputs.every((input) => statSync(target).mtimeMs >= statSync(input).mtimeMs)) process.exit(0);
if (process.arch !== 'x64' || (process.platform !== 'linux' && process.platform !== 'darwin')) {
  skip(`it is written for x86-64 Linux and macOS, this is ${process.platform}-${process.arch}`);
}
const headers = HEADER_DIRS.find((dir) => existsSync(join(dir, 'node_api.h')));
if (!headers) skip(`no node_api.h in ${HEADER_DIRS.join(', ')}`);
const cc = process.env.CC ?? 'cc';
const partial = `${target}.${process.pid}.partial`;
const args = ['-O2', '-msse4.2', '-shared', '-fPIC', '-DNAPI_VERSION=8', `-I${headers}`, '-o', partial, ...sources];
// Node's own symbols (napi_*) are resolved when Node loads the addon.
if (process.platform === 'darwin') args.unshift('-undefined', 'dynamic_lookup');
mkdirSync(dirname(target), { recursive: true });
process.stderr.write('Compiling the native addon (CRC-32C, record scanner, payload reader)...\n');
try {
  execFileSync(cc, args, { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (err) {
  rmSync(partial, { force: true });
  const detail =
    err.code === 'ENOENT'
      ? `no C compiler: ${cc} not found; install gcc or set CC`
      : `${cc} failed: ${
          String(err.stderr ?? err.message)
            .trim()
            .split('\n')[0]
        }`;
  skip(detail);
}
renameSync(partial, target);
