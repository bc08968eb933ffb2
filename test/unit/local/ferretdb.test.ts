import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ferretdbSourceDir, FERRETDB_VERSION, resolveFerretDb } from '../../../src/local/ferretdbBuild.js';
import { renderCredentials } from '../../../src/local/credentials.js';
import type { ClusterState } from '../../../src/local/clusterState.js';
import { mongoUri } from '../../../src/local/mongoServer.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ktc-ferretdb-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the FerretDB build', () => {
  it("finds ktc's own Go main package, which pins the FerretDB release ktc documents", () => {
    const dir = ferretdbSourceDir();
    expect(existsSync(join(dir, 'main.go'))).toBe(true);
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toContain(`github.com/FerretDB/FerretDB v${FERRETDB_VERSION}`);
    // go.sum pins every module the build downloads, so the first build needs no `go mod tidy`.
    expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toContain(`github.com/FerretDB/FerretDB v${FERRETDB_VERSION} h1:`);
  });

  it('without a Go toolchain: one line saying what to install, and nothing cached', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    const cache = tempDir();
    await expect(resolveFerretDb(cache, () => undefined)).rejects.toThrow(
      `go was not found or does not run: install Go 1.24 or newer (https://go.dev/dl/, or apt-get install golang-go): ktc local up --mongo builds FerretDB ${FERRETDB_VERSION} with it`,
    );
    expect(existsSync(join(cache, `ferretdb-${FERRETDB_VERSION}`))).toBe(false);
  });
});

describe('ktc local with --mongo', () => {
  const state: ClusterState = {
    dir: '/nonexistent/cluster',
    nodes: 1,
    firstAddress: '127.0.8.1',
    kafkaVersion: '4.1.2',
    clusterId: 'x',
    topic: 'test-topic',
    libsDir: '/nonexistent/libs',
    createdAt: '2026-01-01T00:00:00Z',
    processes: {},
  };

  it('serves MongoDB on the first address', () => {
    expect(mongoUri({ ...state, mongo: { port: 27017 } })).toBe('mongodb://127.0.8.1:27017/');
    expect(mongoUri(state)).toBeUndefined();
  });

  it('credentials name the mongo-uri beside the kafka section, only when the server was added', () => {
    const passwords = { admin: 'a', client: 'c', producer: 'p', consumer: 'k' };
    const withMongo = renderCredentials({ ...state, mongo: { port: 27117 } }, passwords, 'client');
    expect(withMongo).toMatch(/\nmongo-uri: mongodb:\/\/127\.0\.8\.1:27117\/\nok: "True"\n$/);
    expect(renderCredentials(state, passwords, 'client')).not.toContain('mongo-uri');
  });
});
