/**
 * The limit replay's requests, built once and (idempotent produce) stamped
 * per send: bench/suite/limitRunner.ts sends them.
 */
import type { ConnectionConfig } from '../../src/config/connection.js';
import { API } from '../../src/engine/wire/brokerConnection.js';
import type { RequestChannel } from '../../src/engine/wire/clusterMetadata.js';
import { Writer } from '../../src/engine/wire/codec.js';
import { writeRecordBatch } from '../../src/engine/wire/recordBatch.js';
import { crc32c } from '../../src/engine/wire/crc32c.js';
import { nextOffset } from '../../src/engine/wire/recordBatchReader.js';
import { defined } from '../../src/defined.js';
import { BufferValueList } from '../../src/engine/bufferValueList.js';

export interface LimitSettings {
  mode: 'produce' | 'fetch';
  /** fetch: check each batch's CRC-32C while counting its records. */
  checkCrcs: boolean;
  connection: ConnectionConfig;
  topic: string;
  partitions: number;
  recordSize: number;
  /** produce: records per partition batch. */
  recordsPerBatch: number;
  /** produce: with a producer id and sequence numbers, as idempotent clients send. */
  idempotent: boolean;
  inFlight: number;
  seconds: number;
  partitionMaxBytes: number;
  maxBytes: number;
}

export interface ProduceBody {
  body: Buffer;
  records: number;
  /** Where each partition's record batch starts in body, in the order of `partitions`. */
  batchAt: number[];
}

export function produceBody(s: LimitSettings, partitions: number[], producer: ProducerIdentity | undefined): ProduceBody {
  const values = new BufferValueList(Array.from({ length: s.recordsPerBatch }, () => Buffer.alloc(s.recordSize, 120)));
  const w = new Writer(64 + partitions.length * (80 + s.recordsPerBatch * (s.recordSize + 16)));
  w.string(null).int16(-1).int32(30_000);
  w.int32(1).string(s.topic);
  w.int32(partitions.length);
  const batchAt: number[] = [];
  for (const partition of partitions) {
    w.int32(partition);
    const lengthAt = w.pos;
    w.int32(0);
    batchAt.push(w.pos);
    writeRecordBatch(w, values, Date.now(), producer ? { producerId: producer.id, producerEpoch: producer.epoch, baseSequence: 0 } : undefined);
    w.buf.writeInt32BE(w.pos - lengthAt - 4, lengthAt);
  }
  return { body: Buffer.from(w.result()), records: partitions.length * s.recordsPerBatch, batchAt };
}

export interface ProducerIdentity {
  id: bigint;
  epoch: number;
}

export async function initProducerId(connection: RequestChannel): Promise<ProducerIdentity> {
  const r = defined(await connection.request(API.initProducerId, 0, new Writer(16).string(null).int32(60_000).result()));
  r.int32(); // throttle
  const error = r.int16();
  const id = r.int64();
  const epoch = r.int16();
  if (error !== 0) throw new Error(`InitProducerId error ${error}`);
  return { id, epoch };
}

/** A record batch's offsets: baseSequence and the CRC-32C, which covers attributes (at 21) to the end. */
const BATCH_LENGTH_AT = 8;
const CRC_AT = 17;
const CRC_FROM = 21;
const BASE_SEQUENCE_AT = 53;

/** Stamps each partition's next sequence into `body` (a copy of one request) and seals each batch again. */
export function stampSequences(body: Buffer, batchAt: readonly number[], next: number[], recordsPerBatch: number): void {
  for (let i = 0; i < batchAt.length; i++) {
    const at = defined(batchAt[i]);
    body.writeInt32BE(defined(next[i]), at + BASE_SEQUENCE_AT);
    next[i] = (defined(next[i]) + recordsPerBatch) % 0x8000_0000;
    const end = at + 12 + body.readInt32BE(at + BATCH_LENGTH_AT);
    body.writeUInt32BE(crc32c(body, at + CRC_FROM, end), at + CRC_AT);
  }
}

/**
 * One fetch loop of the replay: its share of a leader's partitions and where
 * each stands. It reads the topic through from its start as a consumer does
 * (the next fetch continues where the batch headers of the last one end, and
 * a partition read to its end starts again at its log start), so the broker
 * serves the bytes a consumer would ask for, not the same few megabytes from
 * the CPU's cache again and again.
 */
export class FetchCursor {
  private readonly positions: number[];

  constructor(
    private readonly s: LimitSettings,
    private readonly partitions: readonly number[],
  ) {
    this.positions = partitions.map(() => 0);
  }

  /** The Fetch request from the current positions (max wait 0: a partition at its end answers at once and wraps). */
  body(): Buffer {
    const w = new Writer(64 + this.partitions.length * 28);
    w.int32(-1).int32(0).int32(1).int32(this.s.maxBytes).int8(0);
    w.int32(1).string(this.s.topic);
    w.int32(this.partitions.length);
    this.partitions.forEach((p, i) => void w.int32(p).int64(defined(this.positions[i])).int64(-1).int32(this.s.partitionMaxBytes));
    return w.result();
  }

  /** Moves `partition` past the complete batches of its response, or back to its log start when it returned none. */
  advance(partition: number, records: Buffer | null, logStartOffset: number): void {
    const i = this.partitions.indexOf(partition);
    if (i < 0) throw new Error(`partition ${partition} was not in this fetch`);
    const from = defined(this.positions[i]);
    const next = records && records.length > 0 ? nextOffset(records, from) : from;
    this.positions[i] = next > from ? next : Math.max(0, logStartOffset);
  }
}

/** A leader's partitions dealt round-robin to `loops` fetch loops (none gets an empty share). */
export function fetchShares(partitions: readonly number[], loops: number): number[][] {
  const shares = Array.from({ length: Math.min(loops, partitions.length) }, (): number[] => []);
  partitions.forEach((p, i) => defined(shares[i % shares.length]).push(p));
  return shares;
}

/**
 * Records in the complete batches of one partition's records, from the batch
 * headers; with `checkCrcs`, each batch's CRC-32C is checked as a consumer
 * does, throwing at a batch whose bytes do not match it.
 */
export function countRecords(records: Buffer, checkCrcs = false): number {
  let n = 0;
  let pos = 0;
  while (pos + 61 <= records.length) {
    const end = pos + 12 + records.readInt32BE(pos + 8);
    if (end > records.length) break;
    if (checkCrcs && crc32c(records, pos + CRC_FROM, end) !== records.readUInt32BE(pos + CRC_AT))
      throw new Error(`CRC mismatch in the batch at offset ${records.readBigInt64BE(pos)}`);
    n += records.readInt32BE(pos + 57);
    pos = end;
  }
  return n;
}
