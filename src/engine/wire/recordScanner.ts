import { requireNativeAddon } from '../../shipped/nativeAddon.js';

/**
 * The native walk over a batch's records (src/native/records.c, in ktc's own addon): writes records from index
 * `at` of `fields` and `offsets` (WireRecordList's layout) and returns how many, or -1 for anything it does not
 * find exactly as a well-formed batch has it; the TypeScript walk then decides that batch.
 */
export type ScanRecords = (
  body: Uint8Array,
  start: number,
  end: number,
  count: number,
  baseOffset: number,
  fromOffset: number,
  bodyIndex: number,
  fields: Int32Array,
  offsets: Float64Array,
  at: number,
) => number;

function load(): ScanRecords | undefined {
  try {
    const addon = requireNativeAddon('ktc-crc32c') as { scanRecords?: ScanRecords };
    return addon.scanRecords;
  } catch {
    return undefined; // not built for this platform: the TypeScript walk does it all
  }
}

const loaded = load();
let enabled = true;

/** The native scanner, unless it is not built or was turned off. */
export function recordScanner(): ScanRecords | undefined {
  return enabled ? loaded : undefined;
}

/** Whether the native scanner is built for this platform (the tests compare it with the TypeScript walk). */
export const recordScannerBuilt = loaded !== undefined;

/** Turns the native scanner off (false) or back on: the tests and benchmarks compare both walks on the same bytes. */
export function useRecordScanner(on: boolean): void {
  enabled = on;
}
