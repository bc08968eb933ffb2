import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The native addons ktc uses: napi-rs packages' prebuilt binaries that npm installs per platform, and ktc's own
 * CRC-32C addon (src/native/crc32c.c), which `npm run build` compiles into dist/native when it can.
 */
export type NativeAddonPackage = 'snappy' | 'lz4-napi' | '@toondepauw/node-zstd' | '@node-rs/crc32' | 'ktc-crc32c';

const require = createRequire(import.meta.url);

/** dist/native/crc32c.node, from this module compiled (dist/src/shipped) or run from source by the tests (src/shipped). */
const ownCrc32c = fileURLToPath(
  new URL(import.meta.url.endsWith('/dist/src/shipped/nativeAddon.js') ? '../../native/crc32c.node' : '../../dist/native/crc32c.node', import.meta.url),
);

/**
 * Loads a native addon from node_modules, or ktc's own from dist/native (throws when its binary is missing for this
 * platform). The single executable cannot require from node_modules: its build puts src/exe/nativeAddon.ts here.
 */
export function requireNativeAddon(pkg: NativeAddonPackage): unknown {
  return require(pkg === 'ktc-crc32c' ? ownCrc32c : pkg);
}
