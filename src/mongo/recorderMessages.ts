import type { ConsumerStamp } from './documents.js';
import type { MongoResult } from './mongoResult.js';
import { defined } from '../defined.js';

/**
 * Message values on their way to the MongoDB writer thread: one transferable block of bytes and each value's
 * length (-1 for a null value), so the main thread only copies bytes and never builds an object per message.
 */
export interface PackedValues {
  data: Uint8Array;
  lengths: Int32Array;
}

/** Packs `count` values read through `valueAt` into memory of their own (transferable, unlike Node's pool). */
export function packValues(count: number, valueAt: (i: number) => Buffer | null): PackedValues {
  let total = 0;
  for (let i = 0; i < count; i++) total += valueAt(i)?.length ?? 0;
  const data = new Uint8Array(total);
  const lengths = new Int32Array(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const value = valueAt(i);
    if (value === null) {
      lengths[i] = -1;
      continue;
    }
    data.set(value, offset);
    offset += value.length;
    lengths[i] = value.length;
  }
  return { data, lengths };
}

export function unpackValues(packed: PackedValues): Array<Buffer | null> {
  const { data, lengths } = packed;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const values = new Array<Buffer | null>(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = defined(lengths[i]);
    if (length < 0) values[i] = null;
    else {
      values[i] = bytes.subarray(offset, offset + length);
      offset += length;
    }
  }
  return values;
}

/** What the writer thread is started with (workerData). */
export interface RecorderSetup {
  uri: string;
  topic: string;
  timeoutMs: number;
  producer: boolean;
  consumer?: ConsumerStamp;
  /** Send duplicate ids back for "Duplicated key with id" lines. */
  reportDuplicates: boolean;
  limits?: { maxPending?: number; batchSize?: number; maxInFlight?: number };
}

export type ToRecorder = ({ type: 'produced' } & PackedValues) | ({ type: 'consumed'; atMs: number } & PackedValues) | { type: 'finish' };

export type FromRecorder =
  | { type: 'ready' }
  /** Connecting failed: `usage` for a malformed URI or a topic that cannot name a database (exit 2). */
  | { type: 'failed'; message: string; usage: boolean }
  | { type: 'duplicates'; ids: string[] }
  | { type: 'finished'; result: MongoResult };
