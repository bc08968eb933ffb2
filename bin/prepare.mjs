#!/usr/bin/env node
// Makes a fresh clone runnable: installs the locked npm dependencies when they
// are missing or stale, then compiles TypeScript. Only Node built-ins here,
// because it runs before node_modules exists.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const run = (args) => execFileSync(npm, args, { cwd: root, stdio: 'inherit' });

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  process.stderr.write('Installing npm dependencies (npm ci)...\n');
  run(['ci', '--no-audit', '--no-fund']);
}
process.stderr.write('Compiling TypeScript...\n');
run(['run', '--silent', 'build']);
