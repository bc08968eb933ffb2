/**
 * A fake cluster for the wire producer's unit tests: it decodes real Produce
 * requests, keeps a log per partition and applies the broker's idempotence
 * rules (sequence numbers per producer id and partition, the last 5 batches
 * remembered for duplicates), and lets a test inject failures per request.
 */
import type { ClusterView, RequestChannel } from '../../../src/engine/wire/clusterMetadata.js';
import { API } from '../../../src/engine/wire/brokerConnection.js';
import { Reader, Writer } from '../../../src/engine/wire/codec.js';
import { connectionError } from '../../../src/engine/wire/protocolErrors.js';
import { defined, present } from '../../../src/defined.js';

export interface ProducedBatch {
  partition: number;
  producerId: bigint;
  epoch: number;
  baseSequence: number;
  values: string[];
}

/** What to do with one partition of one request: answer an error code, or lose the response after appending. */
export type Fault = { code: number } | { loseResponseAfterAppend: true } | { refuseConnection: true } | { neverAnswer: true };

interface PartitionState {
  log: string[];
  /** Per producer id: the last batches' (first, last) sequence numbers, newest last. */
  recent: Map<bigint, Array<[number, number]>>;
}

export class FakeCluster implements ClusterView {
  leaders: number[];
  readonly partitions = new Map<number, PartitionState>();
  readonly requests: ProducedBatch[][] = [];
  /** Faults consumed in order, per partition, one per appearance of the partition in a request. */
  readonly faults = new Map<number, Fault[]>();
  /** Partitions that always fail with this code (until cleared). */
  readonly failing = new Map<number, number>();
  /** Most produce requests in flight at once, per broker address (`broker-<node id>`). */
  readonly mostInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  /** Brokers whose produce answers wait until release(): they append at once, answer later. */
  private readonly held = new Map<string, Array<() => void>>();
  private nextProducerId = 1000n;
  producerIds = 0;
  metadataRefreshes = 0;

  constructor(leaders: number[]) {
    this.leaders = leaders;
  }

  log(partition: number): string[] {
    return this.partitions.get(partition)?.log ?? [];
  }

  hold(nodeId: number): void {
    this.held.set(`broker-${nodeId}`, []);
  }

  release(nodeId: number): void {
    const waiting = this.held.get(`broker-${nodeId}`) ?? [];
    this.held.delete(`broker-${nodeId}`);
    for (const answer of waiting) answer();
  }

  inject(partition: number, ...faults: Fault[]): void {
    this.faults.set(partition, [...(this.faults.get(partition) ?? []), ...faults]);
  }

  private leadersKnown = false;

  async leadersOf(): Promise<number[]> {
    await new Promise((resolve) => setImmediate(resolve));
    this.leadersKnown = true;
    return this.leaders;
  }

  knownLeaders(): number[] | undefined {
    return this.leadersKnown ? this.leaders : undefined;
  }

  forget(): void {
    this.metadataRefreshes++;
    this.leadersKnown = false;
  }

  connection(nodeId: number): Promise<RequestChannel> {
    return Promise.resolve(this.channel(`broker-${nodeId}`));
  }

  anyConnection(): Promise<RequestChannel> {
    return Promise.resolve(this.channel('any'));
  }

  drop(): void {}

  async close(): Promise<void> {}

  private channel(address: string): RequestChannel {
    return {
      address,
      throttled: () => undefined,
      version: (_apiKey: number, _min: number, max: number) => max,
      request: async (apiKey, _version, body) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (apiKey === API.initProducerId) {
          this.producerIds++;
          return new Reader(new Writer(32).int32(0).int16(0).int64(this.nextProducerId++).int16(0).result());
        }
        const hang = [...this.faults.values()].some((list) => list[0] !== undefined && 'neverAnswer' in list[0]);
        if (hang) return new Promise<Reader>(() => undefined);
        const inFlight = (this.inFlight.get(address) ?? 0) + 1;
        this.inFlight.set(address, inFlight);
        this.mostInFlight.set(address, Math.max(inFlight, this.mostInFlight.get(address) ?? 0));
        try {
          const answer = this.produce(new Reader(body));
          const held = this.held.get(address);
          if (held) await new Promise<void>((resolve) => held.push(resolve));
          return answer;
        } finally {
          this.inFlight.set(address, (this.inFlight.get(address) ?? 1) - 1);
        }
      },
    };
  }

  private produce(r: Reader): Reader {
    r.string(); // transactional id
    r.int16(); // acks
    r.int32(); // timeout
    const answers: Array<[number, number]> = [];
    const batches: ProducedBatch[] = [];
    let loseResponse = false;
    r.array(() => {
      r.string();
      r.array(() => {
        const partition = r.int32();
        const batch = decodeBatch(partition, present(r.bytes()));
        batches.push(batch);
        const fault = this.faults.get(partition)?.shift();
        if (fault && 'refuseConnection' in fault) throw connectionError('refused by the fake', 'ECONNREFUSED');
        const always = this.failing.get(partition);
        if (always !== undefined) return answers.push([partition, always]);
        if (fault && 'code' in fault) return answers.push([partition, fault.code]);
        answers.push([partition, this.append(batch)]);
        if (fault) loseResponse = true;
      });
    });
    this.requests.push(batches);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set in the forEach callback above, which TypeScript does not follow
    if (loseResponse) throw connectionError('connection closed before the response', 'ECONNRESET');
    const w = new Writer(256).int32(1).string('t').int32(answers.length);
    // Produce v8: record_errors (none) and error_message (null) after log_start_offset.
    for (const [partition, code] of answers) w.int32(partition).int16(code).int64(0).int64(-1).int64(0).int32(0).int16(-1);
    return new Reader(w.int32(0).result());
  }

  /** The broker's idempotence check: in order, duplicate of one of the last 5, or out of order. */
  private append(b: ProducedBatch): number {
    let state = this.partitions.get(b.partition);
    if (!state) this.partitions.set(b.partition, (state = { log: [], recent: new Map() }));
    if (b.producerId >= 0n) {
      const recent = state.recent.get(b.producerId) ?? [];
      const last = recent.at(-1)?.[1] ?? -1;
      if (recent.some(([first]) => first === b.baseSequence)) return 46; // DUPLICATE_SEQUENCE_NUMBER
      if (b.baseSequence !== last + 1) return 45; // OUT_OF_ORDER_SEQUENCE_NUMBER
      recent.push([b.baseSequence, b.baseSequence + b.values.length - 1]);
      if (recent.length > 5) recent.shift();
      state.recent.set(b.producerId, recent);
    }
    state.log.push(...b.values);
    return 0;
  }
}

/** Reads the fields the fake needs from one record batch (uncompressed, keyless records). */
function decodeBatch(partition: number, bytes: Buffer): ProducedBatch {
  const producerId = bytes.readBigInt64BE(43);
  const epoch = bytes.readInt16BE(51);
  const baseSequence = bytes.readInt32BE(53);
  const count = bytes.readInt32BE(57);
  const values: string[] = [];
  let pos = 61;
  const varint = (): number => {
    let z = 0;
    let scale = 1;
    for (;;) {
      const b = defined(bytes[pos++]);
      z += (b & 0x7f) * scale;
      if (!(b & 0x80)) break;
      scale *= 128;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  for (let i = 0; i < count; i++) {
    const length = varint();
    const end = pos + length;
    pos += 1; // attributes
    varint(); // timestamp delta
    varint(); // offset delta
    const keyLength = varint();
    if (keyLength > 0) pos += keyLength;
    const valueLength = varint();
    values.push(bytes.toString('utf8', pos, pos + valueLength));
    pos = end;
  }
  return { partition, producerId, epoch, baseSequence, values };
}
