/**
 * The broker's own ceiling: the same pre-encoded requests sent again and
 * again, so the client does no encoding, no batching, no decoding:
 *
 *   node limitRunner.js <json LimitSettings>
 *
 * produce: one Produce request per leader (acks=all), each carrying a record
 *   batch for every partition it leads, encoded once; `inFlight` copies of it
 *   outstanding per connection. Not idempotent: the broker would drop a
 *   replayed sequence as a duplicate without writing it.
 * fetch: one Fetch request per leader for all its partitions at offset 0
 *   (2 MiB per partition, 16 MiB per request, as ktc fetches), replayed; the
 *   records are counted from the batch headers alone.
 * Prints {"window":{records,seconds}} every second and a {"result":...} line.
 */
import type { ConnectionConfig } from '../../src/config/connection.js';
import { API } from '../../src/engine/wire/brokerConnection.js';
import { ClusterMetadata, type RequestChannel } from '../../src/engine/wire/clusterMetadata.js';
import { Writer } from '../../src/engine/wire/codec.js';
import { writeRecordBatch } from '../../src/engine/wire/recordBatch.js';
import { parseProduceResponse } from '../../src/engine/wire/wireProducer.js';
import { parseFetchResponse } from '../../src/engine/wire/wireConsumer.js';
import { defined } from '../../src/defined.js';

export interface LimitSettings {
  mode: 'produce' | 'fetch';
  connection: ConnectionConfig;
  topic: string;
  partitions: number;
  recordSize: number;
  /** produce: records per partition batch. */
  recordsPerBatch: number;
  inFlight: number;
  seconds: number;
  partitionMaxBytes: number;
  maxBytes: number;
}

const PRODUCE_VERSION = 7;
const FETCH_VERSION = 5;
const print = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

function produceBody(s: LimitSettings, partitions: number[]): { body: Buffer; records: number } {
  const values = Array.from({ length: s.recordsPerBatch }, () => Buffer.alloc(s.recordSize, 120));
  const w = new Writer(64 + partitions.length * (80 + s.recordsPerBatch * (s.recordSize + 16)));
  w.string(null).int16(-1).int32(30_000);
  w.int32(1).string(s.topic);
  w.int32(partitions.length);
  for (const partition of partitions) {
    w.int32(partition);
    const lengthAt = w.pos;
    w.int32(0);
    writeRecordBatch(w, values, Date.now());
    w.buf.writeInt32BE(w.pos - lengthAt - 4, lengthAt);
  }
  return { body: w.result(), records: partitions.length * s.recordsPerBatch };
}

function fetchBody(s: LimitSettings, partitions: number[]): Buffer {
  const w = new Writer(128);
  w.int32(-1).int32(100).int32(1).int32(s.maxBytes).int8(0);
  w.int32(1).string(s.topic);
  w.array(partitions, (p) => void w.int32(p).int64(0).int64(-1).int32(s.partitionMaxBytes));
  return w.result();
}

/** Records in the complete batches of one partition's records, from the batch headers only. */
export function countRecords(records: Buffer): number {
  let n = 0;
  let pos = 0;
  while (pos + 61 <= records.length) {
    const length = records.readInt32BE(pos + 8);
    if (pos + 12 + length > records.length) break;
    n += records.readInt32BE(pos + 57);
    pos += 12 + length;
  }
  return n;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '{}') as LimitSettings;
  const cluster = new ClusterMetadata(s.connection);
  const leaders = await cluster.leadersOf(s.topic);
  const byLeader = new Map<number, number[]>();
  leaders.forEach((leader, partition) => byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]));
  let done = 0;
  let stop = false;
  const start = performance.now();
  let lastAt = start;
  let last = 0;
  const timer = setInterval(() => {
    const at = performance.now();
    print({ window: { records: done - last, seconds: (at - lastAt) / 1000 } });
    last = done;
    lastAt = at;
  }, 1000);
  const loops: Array<Promise<void>> = [];
  for (const [leader, partitions] of byLeader) {
    const connection: RequestChannel = await cluster.connection(leader);
    const produce = s.mode === 'produce' ? produceBody(s, partitions) : undefined;
    const fetch = s.mode === 'fetch' ? fetchBody(s, partitions) : undefined;
    const one = async (): Promise<void> => {
      while (!stop) {
        if (produce) {
          const reply = defined(await connection.request(API.produce, PRODUCE_VERSION, produce.body));
          const { errors } = parseProduceResponse(reply, PRODUCE_VERSION);
          for (const code of errors.values()) if (code !== 0) throw new Error(`produce error ${code}`);
          done += produce.records;
        } else {
          const reply = defined(await connection.request(API.fetch, FETCH_VERSION, defined(fetch)));
          for (const p of parseFetchResponse(reply, FETCH_VERSION).partitions) {
            if (p.error !== 0) throw new Error(`fetch error ${p.error}`);
            if (p.records) done += countRecords(p.records);
          }
        }
      }
    };
    for (let i = 0; i < s.inFlight; i++) loops.push(one());
  }
  await new Promise((resolve) => setTimeout(resolve, s.seconds * 1000));
  stop = true;
  await Promise.all(loops);
  clearInterval(timer);
  print({ result: { records: done, seconds: (performance.now() - start) / 1000 } });
  await cluster.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`limitRunner: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
