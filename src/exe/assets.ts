import type { NativeAddonPackage } from '../shipped/nativeAddon.js';
import type { WorkerScript } from '../shipped/workerScript.js';

/**
 * The keys under which bin/build-exe.mjs embeds what the executable cannot read from node_modules or dist/
 * (Node's single executable applications read them back with node:sea's getAsset).
 */
export const ASSET = {
  version: 'version',
  chartScript: 'uPlot.iife.min.js',
  chartStyle: 'uPlot.min.css',
  addonManifest: 'native-addons.json',
  worker: { producer: 'producer-worker.js', mongoRecorder: 'recorder-worker.js' } satisfies Record<WorkerScript, string>,
} as const;

/** The asset key of one file of tools/ferretdb (the Go package `ktc local up --mongo` builds). */
export function ferretdbAsset(file: string): string {
  return `ferretdb/${file}`;
}

/** The asset key of one native addon's binary. */
export function addonAsset(file: string): string {
  return `native/${file}`;
}

/** What the build embeds as ASSET.addonManifest: which binary each addon package loads (ktc's own only where it was built). */
export interface AddonManifest {
  /** A digest of every binary: the name of their directory in the cache, so two builds never share one. */
  id: string;
  addons: Partial<Record<NativeAddonPackage, { file: string; size: number }>>;
}
