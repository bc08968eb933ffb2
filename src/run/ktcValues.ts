import { requireNativeAddon } from '../shipped/nativeAddon.js';
import type { RecordFields } from '../engine/engine.js';

/**
 * The native reader of ktc's own values, binary and JSON (src/native/payloads.c): reads records from..to-1 of a record
 * list while each value is one, returns how many, and summarises them in `out` (layout below) as groups of
 * consecutive records from one producer that continue its sequence and share a send time.
 */
type SummarizeKtcValues = (bodies: readonly Uint8Array[], fields: Int32Array, from: number, to: number, out: Float64Array) => number;

/** out[GROUPS]: groups written; out[BYTES]: the values' bytes; out[ENDED]: 1 when it stopped at a value that is not one. */
const GROUPS = 0;
const BYTES = 1;
const ENDED = 2;
const HEAD = 3;
/** Per group: the producer id's high and low words, first sequence number, records, send time (µs). */
const GROUP = 5;

export interface KtcGroup {
  high: number;
  low: number;
  firstSeq: number;
  count: number;
  sentAtMicros: number;
}

function load(): SummarizeKtcValues | undefined {
  try {
    return (requireNativeAddon('ktc-crc32c') as { summarizeKtcValues?: SummarizeKtcValues }).summarizeKtcValues;
  } catch {
    return undefined; // not built for this platform: the consume loop reads every value in TypeScript
  }
}

const loaded = load();
let enabled = true;

/** Turns the native reader off (false) or back on: the tests compare both ways on the same records. */
export function useNativeKtcValues(on: boolean): void {
  enabled = on;
}

/** Whether the native reader is built for this platform. */
export const nativeKtcValuesBuilt = loaded !== undefined;

/** Reads runs of ktc values natively, one call for many records; `group` is reused between calls. */
export class KtcValueReader {
  private readonly out: Float64Array;
  readonly group: KtcGroup = { high: 0, low: 0, firstSeq: 0, count: 0, sentAtMicros: 0 };

  constructor(maxGroups = 64) {
    this.out = new Float64Array(HEAD + GROUP * maxGroups);
  }

  /** Whether read() can be used: the native reader is built and on. */
  get available(): boolean {
    return enabled && loaded !== undefined;
  }

  /** Reads from record `from` (see SummarizeKtcValues); returns how many records it read. */
  read(records: RecordFields, from: number, to: number): number {
    return loaded ? loaded(records.bodies, records.fields, from, to, this.out) : 0;
  }

  get groups(): number {
    return this.out[GROUPS] ?? 0;
  }

  get bytes(): number {
    return this.out[BYTES] ?? 0;
  }

  /** Whether the last read() stopped at a value that is not a ktc value (else at `to`, or with no room for more groups). */
  get stoppedAtOtherValue(): boolean {
    return this.out[ENDED] === 1;
  }

  /** Group g of the last read(), into `group`. */
  at(g: number): KtcGroup {
    const out = this.out;
    const at = HEAD + g * GROUP;
    const group = this.group;
    group.high = out[at] ?? 0;
    group.low = out[at + 1] ?? 0;
    group.firstSeq = out[at + 2] ?? 0;
    group.count = out[at + 3] ?? 0;
    group.sentAtMicros = out[at + 4] ?? 0;
    return group;
  }
}
