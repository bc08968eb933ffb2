import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayDockerfile } from '../helpers/dockerfileSteps.js';
import { repoRoot } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the npm package', () => {
  it('packs compiled JavaScript only, installs into an empty directory with production dependencies and runs', () => {
    const out = mkdtempSync(join(tmpdir(), 'ktc-pack-'));
    const tarball = join(out, defined(run('npm', ['pack', '--silent', '--pack-destination', out], repoRoot).trim().split('\n').at(-1)));
    const files = run('tar', ['tzf', tarball], out).split('\n');
    expect(files).toContain('package/bin/ktc.js');
    expect(files).toContain('package/dist/src/cli/main.js');
    expect(files.some((f) => f.endsWith('.ts'))).toBe(false);
    expect(files.some((f) => f.startsWith('package/test/') || f.startsWith('package/src/') || f.startsWith('package/bench/'))).toBe(false);

    const app = mkdtempSync(join(tmpdir(), 'ktc-install-'));
    writeFileSync(join(app, 'package.json'), '{"name":"empty","version":"1.0.0","private":true}\n');
    run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], app);
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    const help = run(join(app, 'node_modules', '.bin', 'ktc'), ['--help'], app);
    expect(help).toContain('Handler for running an Apache Kafka client');
    expect(help).toContain('Exit status: 0 success');
    expect(run(join(app, 'node_modules', '.bin', 'kafka-test-client'), ['--version'], app).trim()).toBe(pkg.version);
  });
});

describe('the Dockerfile, replayed without a Docker engine', () => {
  it('builds with dev dependencies, runs with production ones only, and its ENTRYPOINT answers', () => {
    const image = replayDockerfile(repoRoot);
    try {
      expect(image.entrypoint).toEqual(['ktc']);
      expect(existsSync(join(image.workdir, 'node_modules', 'kafkajs'))).toBe(true);
      expect(existsSync(join(image.workdir, 'node_modules', 'typescript'))).toBe(false);
      expect(existsSync(join(image.workdir, 'src'))).toBe(false);
      const env = { ...process.env, ...image.env };
      expect(run(defined(image.entrypoint[0]), ['--version'], image.workdir, env).trim()).toBe(pkg.version);
      expect(run(defined(image.entrypoint[0]), ['--help'], image.workdir, env)).toContain('--producer');
    } finally {
      rmSync(image.scratch, { recursive: true, force: true });
    }
  });
});
