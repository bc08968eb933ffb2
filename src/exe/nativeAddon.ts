import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAsset } from 'node:sea';
import { defaultCacheDir } from '../local/layout.js';
import type * as shipped from '../shipped/nativeAddon.js';
import type { NativeAddonPackage } from '../shipped/nativeAddon.js';
import { addonAsset, ASSET, type AddonManifest } from './assets.js';
import { writeAtomically } from './cacheFiles.js';

/**
 * In the single executable, src/shipped/nativeAddon.ts. Node loads a native addon only from a file, and the
 * executable has none: the build embeds each addon's binary, and the first use writes it once into ktc's cache
 * (where `ktc local` keeps Kafka's jars), in a directory named after the binaries' digest, then loads it from there.
 * Without a writable cache, a directory of this user's own in the temporary directory is used.
 */

let manifest: AddonManifest | undefined;
let dir: string | undefined;
const loaded = new Map<NativeAddonPackage, unknown>();

export const requireNativeAddon: typeof shipped.requireNativeAddon = (pkg) => {
  if (loaded.has(pkg)) return loaded.get(pkg);
  manifest ??= JSON.parse(getAsset(ASSET.addonManifest, 'utf8')) as AddonManifest;
  const entry = manifest.addons[pkg];
  if (!entry) throw new Error(`this executable was built without ${pkg}`);
  const { file, size } = entry;
  dir ??= addonDir(manifest.id);
  const path = join(dir, file);
  if (!hasSize(path, size)) writeAtomically(path, new Uint8Array(getAsset(addonAsset(file))), 0o700);
  const module = { exports: {} as unknown };
  process.dlopen(module, path);
  loaded.set(pkg, module.exports);
  return module.exports;
};

/** The first of ktc's cache and a private temporary directory that can be created (or already is ours). */
export function addonDir(
  id: string,
  candidates: readonly string[] = [defaultCacheDir(), join(tmpdir(), `ktc-${String(process.getuid?.() ?? 'user')}`)],
): string {
  const failures: string[] = [];
  for (const base of candidates) {
    const target = join(base, `native-${id}`);
    try {
      mkdirSync(target, { recursive: true, mode: 0o700 });
      if (safeFromOthers(base, target)) return target;
      failures.push(`${target} belongs to someone else or others may write to it`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  throw new Error(`no directory to write ktc's native addons to (${failures.join('; ')})`);
}

/**
 * Nobody else may plant a binary there: the directory is this user's and only this user writes to it, and its
 * parent (which could swap it) is this user's or root's and not writable by everyone.
 */
function safeFromOthers(base: string, target: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  const parent = statSync(base);
  const own = statSync(target);
  return own.uid === uid && (own.mode & 0o022) === 0 && (parent.uid === uid || parent.uid === 0) && (parent.mode & 0o002) === 0;
}

function hasSize(path: string, size: number): boolean {
  try {
    return statSync(path).size === size;
  } catch {
    return false;
  }
}
