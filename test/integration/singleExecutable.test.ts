import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCredentials } from '../../src/local/credentials.js';
import { errorLines, runKtc, type KtcRun } from '../helpers/runKtc.js';
import { repoRoot, testCluster, uniqueName } from '../helpers/testCluster.js';

let home: string;
let exe: string;
let credentials: string;

/**
 * The executable as on a machine without Node: an empty PATH (so no `node` to fall back on), and nothing of the
 * test runner's environment (NODE_OPTIONS and the like); HOME is new, so the native addons are written afresh.
 */
function exeEnv(): NodeJS.ProcessEnv {
  return { PATH: join(home, 'bin'), HOME: home, LANG: 'C.UTF-8' };
}

function runExe(args: string[]): Promise<KtcRun> {
  return new Promise((resolve) => {
    execFile(exe, args, { cwd: home, env: exeEnv(), timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}

/** The binaries the executable wrote into ktc's cache under this HOME. */
function writtenAddons(): string[] {
  const cache = join(home, '.cache', 'ktc');
  return readdirSync(cache)
    .filter((d) => d.startsWith('native-'))
    .flatMap((d) => readdirSync(join(cache, d)))
    .sort();
}

describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('the single executable (npm run build:exe)', () => {
  beforeAll(() => {
    // Reuses dist/ktc-linux-x64 when nothing that goes into it changed (the suite's second run, on Node 24).
    execFileSync(process.execPath, [join(repoRoot, 'bin', 'build-exe.mjs')], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], timeout: 540_000 });
    home = mkdtempSync(join(tmpdir(), 'ktc-exe-home-'));
    mkdirSync(join(home, 'bin'));
    // Run from a copy away from the checkout, as on a unit: nothing beside it (node_modules, dist/) to lean on.
    exe = join(home, 'ktc-linux-x64');
    copyFileSync(join(repoRoot, 'dist', 'ktc-linux-x64'), exe);
    const cluster = testCluster();
    credentials = join(home, 'admin.yaml');
    writeFileSync(credentials, renderCredentials(cluster.state, cluster.passwords, 'admin'));
  }, 600_000);

  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('runs where there is no node, and says the version `node bin/ktc.js --version` says', async () => {
    expect(spawnSync('node', ['--version'], { env: exeEnv() }).error?.message).toBe('spawnSync node ENOENT');
    const [fromExe, fromNode] = await Promise.all([runExe(['--version']), runKtc(['--version'])]);
    expect(fromExe).toMatchObject({ code: 0, stderr: '' });
    expect(fromExe.stdout).toBe(fromNode.stdout);
    expect(fromExe.stdout.trim()).toBe((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('produces with snappy from two worker threads, consumes, verifies, writes the HTML report, and keeps stderr empty', async () => {
    const html = join(home, 'report.html');
    const run = await runExe([
      '--credentials',
      credentials,
      '-t',
      uniqueName('exe-snappy'),
      '--num-partitions',
      '4',
      '--producer',
      '--consumer',
      '-n',
      '2000',
      '--workers',
      '2',
      '--compression',
      'snappy',
      '--html',
      html,
    ]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Verification: 2,000 acknowledged, 2,000 of them consumed: 0 lost, 0 duplicates, 0 out of order.');
    // snappy has no fallback: the run above could only compress with the embedded binary, written out on first use.
    // CRCs are checked with ktc's own addon, which the build compiled on this machine and embedded.
    expect(writtenAddons()).toEqual(expect.arrayContaining(['ktc-crc32c.node', 'snappy.linux-x64-gnu.node']));
    expect(writtenAddons()).not.toContain('crc32.linux-x64-gnu.node');
    const uplot = readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    expect(readFileSync(html, 'utf8')).toContain(uplot.slice(0, 200));
  });

  it('reads zstd batches that `node bin/ktc.js` wrote, as a member of a consumer group', async () => {
    const topic = uniqueName('exe-zstd');
    const produced = await runKtc(['--credentials', credentials, '-t', topic, '--producer', '-n', '300', '--compression', 'zstd']);
    expect(produced.code).toBe(0);
    const run = await runExe(['--credentials', credentials, '-t', topic, '--consumer', '-n', '300', '-c', `${uniqueName('exe-group')}-`]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Consumed 300 messages from \S+ as group \S+ \(300 from ktc, 0 other JSON, 0 not JSON \(foreign\)\)\./);
    expect(writtenAddons()).toContain('node-zstd.linux-x64-gnu.node');
  });
});
