import { createRequire } from 'node:module';

/** The napi-rs addons ktc uses: prebuilt binaries that npm installs from per-platform packages. */
export type NativeAddonPackage = 'snappy' | 'lz4-napi' | '@toondepauw/node-zstd' | '@node-rs/crc32';

const require = createRequire(import.meta.url);

/**
 * Loads a native addon from node_modules (throws when its binary is missing for this platform). The single
 * executable cannot require from node_modules: its build puts src/exe/nativeAddon.ts here.
 */
export function requireNativeAddon(pkg: NativeAddonPackage): unknown {
  return require(pkg);
}
