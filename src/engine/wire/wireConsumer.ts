import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../../config/connection.js';
import { CONSUMER_RETRY, type Admin, type Consumer, type Kafka } from '../kafkajsClient.js';
import { kafkajsAssigners } from '../groupAssignors.js';
import type { ConsumedBatch, ConsumerCounters, ConsumerEngine, ConsumerOptions } from '../engine.js';
import { API, type BrokerConnection } from './brokerConnection.js';
import { ClusterMetadata } from './clusterMetadata.js';
import { Writer, type Reader } from './codec.js';
import { isRetriable, isRetriableBeyondKafkajs } from '../../errors.js';
import { protocolError, WireError, type KafkaProtocolError } from './protocolErrors.js';
import { CorruptBatchError, nextOffset, RecordBatchReader, UnsupportedMessageFormatError } from './recordBatchReader.js';
import { WireRecordList } from './recordList.js';
import { defined } from '../../defined.js';

/** Fetch versions ktc speaks (non-flexible; Kafka 4 accepts 4..17); the highest the broker has is used. */
const FETCH_VERSIONS = [4, 11] as const;
const PARTITION_MAX_BYTES = 2 * 1024 * 1024;
const MAX_BYTES = 16 * 1024 * 1024;
/** Record batch bytes decoded and handed over at a time: a part stays in the core's cache from its CRC check to its delivery. */
const PART_BYTES = 256 * 1024;
/** A single batch larger than this is refused rather than fetched (the broker's message.max.bytes is 1 MB by default). */
const LARGEST_BATCH = 256 * 1024 * 1024;

const OFFSET_OUT_OF_RANGE = 1;

interface PartitionFetch {
  partition: number;
  error: number;
  highWatermark: number;
  logStartOffset: number;
  abortedTransactions: AbortedTransaction[];
  records: Buffer | null;
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: number;
}

type Fetched = { connection: BrokerConnection; version: number; reply: Reader } | { error: Error };

function settle(fetched: Fetched): { connection: BrokerConnection; version: number; reply: Reader } {
  if ('error' in fetched) throw fetched.error;
  return fetched;
}

export function parseFetchResponse(r: Reader, version: number): { throttleMs: number; partitions: PartitionFetch[] } {
  const throttleMs = r.int32();
  if (version >= 7) {
    const error = r.int16();
    r.int32(); // session_id
    if (error !== 0) throw protocolError(error, 'fetch');
  }
  const partitions: PartitionFetch[] = [];
  r.array(() => {
    r.string(); // topic
    r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      const highWatermark = Number(r.int64());
      r.int64(); // last_stable_offset
      const logStartOffset = version >= 5 ? Number(r.int64()) : -1;
      const count = r.int32();
      const abortedTransactions: AbortedTransaction[] = [];
      for (let i = 0; i < count; i++) abortedTransactions.push({ producerId: r.int64(), firstOffset: Number(r.int64()) });
      if (version >= 11) r.int32(); // preferred_read_replica: ktc reads from leaders
      partitions.push({ partition, error, highWatermark, logStartOffset, abortedTransactions, records: r.bytes() });
    });
  });
  return { throttleMs, partitions };
}

/**
 * A consumer-group member whose group membership (join, heartbeats, offset
 * commits) is kafkajs' and whose fetching is ktc's own: kafkajs keeps the
 * assigned partitions paused, ktc fetches them with one Fetch request per
 * leader and decodes the record batches without an object per field. kafkajs
 * decoding was what held the consumer at a third of Java's speed.
 */
export class WireConsumer implements ConsumerEngine {
  private readonly cluster: ClusterMetadata;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  /** Next offset to fetch per assigned partition. */
  private positions = new Map<number, number>();
  private generation = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Positions processed since the last commit; committed once a second and on close. */
  private uncommitted = new Map<number, number>();
  private commitTimer: NodeJS.Timeout | undefined;
  /** Rotates the order partitions are listed in a fetch. */
  private round = 0;
  /** Between kafkajs' REBALANCING and the next GROUP_JOIN: no fetching. */
  private paused = false;
  private readonly stats: ConsumerCounters = { abortedRecords: 0, controlRecords: 0, throttledMs: 0 };
  /** Raised for a partition whose next batch is larger than a fetch brings back (Java's soft limit, KIP-74). */
  private readonly partitionMaxBytes = new Map<number, number>();
  private readonly timeoutMs: number;
  /** The fetch sent ahead per leader, and the positions it assumed. */
  private readonly prefetched = new Map<number, { positions: Map<number, number>; offsets: Map<number, number>; fetched: Promise<Fetched> }>();
  /** One per partition, reused fetch after fetch (a partition is in one fetch at a time). */
  private readonly recordLists = new Map<number, WireRecordList>();

  constructor(
    kafka: Kafka,
    connection: ConnectionConfig,
    private readonly options: ConsumerOptions,
  ) {
    this.cluster = new ClusterMetadata(connection);
    this.timeoutMs = options.unavailableTimeoutMs ?? connection.timeoutMs;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // With every partition paused kafkajs sleeps this long between loops; disconnect waits for that sleep.
      maxWaitTimeInMs: options.maxWaitMs,
      retry: CONSUMER_RETRY,
      partitionAssigners: kafkajsAssigners(options.assignors, options.onJoinRequest),
    });
    this.admin = kafka.admin();
  }

  async connect(): Promise<this> {
    await this.consumer.connect();
    await this.admin.connect();
    return this;
  }

  async start(onBatch: (batch: ConsumedBatch) => Promise<number>, onError: (err: unknown) => void): Promise<void> {
    const { topic } = this.options;
    let failJoin: (err: unknown) => void = () => undefined;
    let joinedOnce: () => void = () => undefined;
    const joined = new Promise<void>((resolve, reject) => {
      joinedOnce = resolve;
      failJoin = reject;
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      failJoin(event.payload.error);
      onError(event.payload.error);
    });
    // kafkajs emits this synchronously just before it rejoins: stop fetching and commit what was processed now,
    // while the coordinator still accepts this generation's commits, as the Java consumer does before it rejoins.
    // Otherwise the partition's next owner re-reads up to a second of messages.
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.paused = true;
      void this.commit();
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      // Keep kafkajs from fetching: ktc fetches the assigned partitions itself.
      this.consumer.pause([{ topic }]);
      const assigned = event.payload.memberAssignment[topic] ?? [];
      this.assign(assigned).then(joinedOnce, (err: unknown) => {
        failJoin(err);
        onError(err);
      });
    });
    await this.consumer.subscribe({ topic, fromBeginning: this.options.autoOffsetReset === 'earliest' });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() });
    await joined;
    this.commitTimer = setInterval(() => void this.commit(), 1000);
    this.loop = this.fetchLoop(onBatch).catch(onError);
  }

  /** Starts each newly assigned partition at the group's committed offset, or at the earliest one. */
  private async assign(partitions: number[]): Promise<void> {
    const generation = ++this.generation;
    const { topic, groupId } = this.options;
    // Right after a broker restart the coordinator or a leader may still be moving: retry as the fetcher does.
    const [committed] = await this.retrying(() => this.admin.fetchOffsets({ groupId, topics: [topic] }));
    const bounds = await this.retrying(() => this.admin.fetchTopicOffsets(topic));
    if (generation !== this.generation) return;
    this.paused = false;
    // A partition this member keeps across a rebalance continues where it is (past the last commit), as a Java
    // consumer does by committing before it rejoins: re-reading it would count duplicates that never happened.
    const previous = this.positions;
    const positions = new Map<number, number>();
    const uncommitted = new Map<number, number>();
    for (const partition of partitions) {
      const kept = previous.get(partition);
      if (kept !== undefined) {
        positions.set(partition, kept);
        const pending = this.uncommitted.get(partition);
        if (pending !== undefined) uncommitted.set(partition, pending);
        continue;
      }
      const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      const bound = bounds.find((b) => b.partition === partition);
      const start = this.options.autoOffsetReset === 'earliest' ? Number(bound?.low ?? 0) : Number(bound?.high ?? 0);
      positions.set(partition, offset >= 0 ? offset : start);
    }
    this.positions = positions;
    this.uncommitted = uncommitted;
  }

  /** Retries a kafkajs admin call with backoff until --timeout passes (kafkajs' own retries are shorter). */
  private async retrying<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isRetriableBeyondKafkajs(err) || this.stopped || Date.now() > deadline) throw err;
        await sleep(Math.min(200 * 2 ** attempt, 2000));
      }
    }
  }

  /**
   * Fetches until stopped. Every failure the Java consumer would retry
   * (metadata, connection, leadership, a broker restarting) is retried with
   * backoff; only a cluster unreachable for --timeout without a break, or an
   * error retrying cannot fix, ends the loop.
   */
  private async fetchLoop(onBatch: (batch: ConsumedBatch) => Promise<number>): Promise<void> {
    const { topic } = this.options;
    let failures = 0;
    let failingSinceMs = 0;
    while (!this.stopped) {
      if (this.paused || this.positions.size === 0) {
        await sleep(this.options.maxWaitMs);
        continue;
      }
      try {
        await this.fetchRound(onBatch);
        failures = 0;
      } catch (err) {
        if (!isRetriable(err)) throw err;
        const now = Date.now();
        if (failures++ === 0) failingSinceMs = now;
        if (now - failingSinceMs > this.timeoutMs) throw err;
        this.cluster.forget(topic);
        await sleep(Math.min(100 * 2 ** (failures - 1), 1000));
      }
    }
  }

  /**
   * A fetch loop per leader, over the partitions it leads. The loops go on independently until the assignment or a
   * leader changes, or one fails: when one round of fetches waited for every leader's response to be decoded, the
   * brokers that answered first sat idle until the slowest was done.
   */
  private async fetchRound(onBatch: (batch: ConsumedBatch) => Promise<number>): Promise<void> {
    const { topic } = this.options;
    const leaders = await this.cluster.leadersOf(topic);
    const positions = this.positions;
    const partitions = [...positions.keys()];
    // A busy partition listed first would fill every response and starve the others (Java rotates too).
    const shift = this.round++ % partitions.length;
    const byLeader = new Map<number, number[]>();
    for (let i = 0; i < partitions.length; i++) {
      const partition = defined(partitions[(i + shift) % partitions.length]);
      const leader = leaders[partition] ?? -1;
      if (leader < 0) throw protocolError(5, `no leader for ${topic}[${partition}]`);
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(partition);
    }
    let failure: Error | undefined;
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        try {
          do {
            await this.fetchFrom(leader, list, onBatch);
          } while (failure === undefined && this.stillLeads(leader, list, positions));
        } catch (err) {
          this.prefetched.delete(leader); // sent on assumptions this failure may have broken
          if (isRetriable(err)) this.cluster.drop(leader);
          failure ??= err as Error;
        }
      }),
    );
    if (failure !== undefined) throw failure;
  }

  /** Whether a leader's fetch loop goes on: the same assignment, still fetching, and it still leads every partition of its list. */
  private stillLeads(leader: number, partitions: readonly number[], positions: Map<number, number>): boolean {
    if (this.stopped || this.paused || positions !== this.positions) return false;
    const leaders = this.cluster.knownLeaders(this.options.topic);
    return leaders !== undefined && partitions.every((p) => leaders[p] === leader);
  }

  /**
   * One fetch from one leader, delivered partition by partition. As soon as
   * its response is parsed, the next fetch for the same partitions goes out
   * (from the offsets this one ends at), so the broker reads and sends while
   * ktc decodes, as the Java consumer prefetches while the application
   * handles records; it is used only if every position is still what it
   * assumed.
   */
  private async fetchFrom(leader: number, partitions: number[], onBatch: (batch: ConsumedBatch) => Promise<number>): Promise<void> {
    const positions = this.positions;
    const { connection, version, reply } = settle(await (this.takePrefetch(leader, partitions, positions) ?? this.send(leader, partitions, positions)));
    try {
      const response = parseFetchResponse(reply, version);
      this.stats.throttledMs += response.throttleMs;
      if (response.throttleMs > 0) connection.throttled(response.throttleMs, API.fetch, version);
      this.prefetch(leader, response, positions);
      await this.deliver(connection, response, positions, onBatch);
    } finally {
      // Record lists point into the response only until their next fetch, and message(i) copies: its memory can take the next response.
      connection.release(reply);
    }
  }

  /** Sends a Fetch for `partitions` from their `positions`; never rejects (a failure is returned, so a prefetch nobody awaits is no unhandled rejection). */
  private async send(leader: number, partitions: number[], positions: ReadonlyMap<number, number>): Promise<Fetched> {
    try {
      const { topic } = this.options;
      const connection = await this.cluster.connection(leader);
      const version = connection.version(API.fetch, ...FETCH_VERSIONS);
      const w = new Writer(128);
      w.int32(-1)
        .int32(this.options.maxWaitMs)
        .int32(1)
        .int32(MAX_BYTES)
        .int8(this.options.isolationLevel === 'read_committed' ? 1 : 0);
      if (version >= 7) w.int32(0).int32(-1); // session_id, session_epoch: no incremental fetch session
      w.int32(1).string(topic);
      w.array(partitions, (p) => {
        w.int32(p);
        if (version >= 9) w.int32(-1); // current_leader_epoch: unknown
        w.int64(defined(positions.get(p)));
        if (version >= 5) w.int64(-1); // log_start_offset: -1 from consumers
        w.int32(this.partitionMaxBytes.get(p) ?? PARTITION_MAX_BYTES);
      });
      if (version >= 7) w.int32(0); // forgotten_topics_data
      if (version >= 11) w.string(''); // rack_id
      const reply = defined(await connection.request(API.fetch, version, w.result()));
      return { connection, version, reply };
    } catch (err) {
      return { error: err as Error };
    }
  }

  /** Sends the fetch that follows `response` if every partition in it came back without error. */
  private prefetch(leader: number, response: ReturnType<typeof parseFetchResponse>, positions: Map<number, number>): void {
    if (this.stopped || this.paused) return;
    const offsets = new Map<number, number>();
    for (const { partition, error, records } of response.partitions) {
      const from = positions.get(partition);
      if (error !== 0 || from === undefined) return;
      offsets.set(partition, records && records.length > 0 ? nextOffset(records, from) : from);
    }
    if (offsets.size === 0) return;
    // The next round lists the partitions one place rotated, as fetchRound does.
    const order = [...offsets.keys()];
    order.push(defined(order.shift()));
    this.prefetched.set(leader, { positions, offsets, fetched: this.send(leader, order, offsets) });
  }

  /** The prefetched response for these partitions, if it was asked for from exactly their current positions; otherwise it is dropped. */
  private takePrefetch(leader: number, partitions: number[], positions: Map<number, number>): Promise<Fetched> | undefined {
    const prefetch = this.prefetched.get(leader);
    if (!prefetch) return undefined;
    this.prefetched.delete(leader);
    const matches =
      prefetch.positions === positions && prefetch.offsets.size === partitions.length && partitions.every((p) => prefetch.offsets.get(p) === positions.get(p));
    if (matches) return prefetch.fetched;
    void prefetch.fetched.then((f) => {
      if (!('error' in f)) f.connection.release(f.reply);
    });
    return undefined;
  }

  private async deliver(
    connection: BrokerConnection,
    response: ReturnType<typeof parseFetchResponse>,
    positions: Map<number, number>,
    onBatch: (batch: ConsumedBatch) => Promise<number>,
  ): Promise<void> {
    const { topic } = this.options;
    let stale: KafkaProtocolError | undefined;
    for (const { partition, error, records, abortedTransactions } of response.partitions) {
      // Stopped, rebalancing (these records go to whoever owns the partition next), or the assignment changed.
      if (this.stopped || this.paused || positions !== this.positions) return;
      if (error !== 0) {
        const err = protocolError(error, `fetching ${topic}[${partition}] from ${connection.address}`);
        if (error === OFFSET_OUT_OF_RANGE) {
          await this.resetOutOfRange(positions, partition);
          continue;
        }
        if (!err.retriable) throw err;
        stale ??= err; // the other partitions of this response are still good
        continue;
      }
      if (!records || records.length === 0) continue;
      await this.deliverPartition(partition, records, abortedTransactions, positions, onBatch);
    }
    if (stale) throw stale;
  }

  /**
   * Hands one partition's records to onBatch a part at a time (PART_BYTES of
   * batches), recording the position after each, until they are all handed
   * over or the consumer stops, pauses or loses the assignment.
   */
  private async deliverPartition(
    partition: number,
    records: Buffer,
    abortedTransactions: AbortedTransaction[],
    positions: Map<number, number>,
    onBatch: (batch: ConsumedBatch) => Promise<number>,
  ): Promise<void> {
    const { topic } = this.options;
    const from = defined(positions.get(partition));
    let messages = this.recordLists.get(partition);
    if (!messages) this.recordLists.set(partition, (messages = new WireRecordList()));
    const reader = new RecordBatchReader(records, from, {
      isolation: this.options.isolationLevel,
      abortedTransactions: abortedTransactions.map((t) => ({ producerId: Number(t.producerId), firstOffset: t.firstOffset })),
    });
    let controlRecords = 0;
    let abortedRecords = 0;
    for (;;) {
      messages.clear();
      const more = this.readPart(partition, reader, messages);
      // Counted before onBatch: the run may end, and read the counters, while onBatch is awaited.
      const { incomplete } = reader.result;
      this.stats.controlRecords += reader.result.controlRecords - controlRecords;
      this.stats.abortedRecords += reader.result.abortedRecords - abortedRecords;
      ({ controlRecords, abortedRecords } = reader.result);
      if (incomplete) {
        this.growFetch(partition, incomplete.size ?? 2 * (this.partitionMaxBytes.get(partition) ?? PARTITION_MAX_BYTES), from);
        break;
      }
      const processed = messages.length ? await onBatch({ topic, partition, records: messages }) : 0;
      const position = processed < messages.length ? messages.offset(processed) : reader.result.next;
      if (processed < messages.length) this.stopped = true;
      // The assignment may have changed while onBatch ran: record progress only for a partition still ours.
      if (!this.positions.has(partition)) break;
      this.positions.set(partition, position);
      this.uncommitted.set(partition, position);
      if (this.paused) void this.commit(); // processed while the rebalance began: commit it too
      if (!more) break;
      // Let the socket be read: a response left unread for the ~10 ms a whole one takes to decode overflows
      // the socket's buffer, and the broker's resent segments (tail loss probes) stall the next fetch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped || this.paused || positions !== this.positions) break;
    }
  }

  counters(): ConsumerCounters {
    return { ...this.stats };
  }

  /**
   * Decodes the next part of one partition's records (about as much as the
   * core's L2 cache holds); a corrupt batch becomes one error naming the topic,
   * partition and offset. Returns whether records are left.
   */
  private readPart(partition: number, reader: RecordBatchReader, out: WireRecordList): boolean {
    try {
      return reader.read(out, PART_BYTES);
    } catch (err) {
      if (err instanceof CorruptBatchError || err instanceof UnsupportedMessageFormatError) {
        // Java's consumer fails here too (CorruptRecordException): the same bytes come back on every fetch.
        throw new WireError(`${this.options.topic}[${partition}]: ${err.message}`, err.kind, false, { cause: err });
      }
      throw err;
    }
  }

  /** The next batch did not fit in the fetch: ask for all of it next time, within reason. */
  private growFetch(partition: number, size: number, offset: number): void {
    if (size > LARGEST_BATCH) {
      throw new WireError(
        `${this.options.topic}[${partition}]: the record batch at offset ${offset} is ${size} bytes, more than ktc fetches (${LARGEST_BATCH} bytes)`,
        'other',
        false,
      );
    }
    this.partitionMaxBytes.set(partition, Math.max(size, this.partitionMaxBytes.get(partition) ?? PARTITION_MAX_BYTES));
  }

  /** OFFSET_OUT_OF_RANGE: the position was deleted (retention) or is past the end; follow the reset policy, say so. */
  private async resetOutOfRange(positions: Map<number, number>, partition: number): Promise<void> {
    const { topic, autoOffsetReset } = this.options;
    // An errored partition's fetch answer carries no offsets (-1): ask for the log's bounds, as Java does (ListOffsets).
    const bound = (await this.retrying(() => this.admin.fetchTopicOffsets(topic))).find((b) => b.partition === partition);
    const logStart = Number(bound?.low ?? 0);
    const logEnd = Number(bound?.high ?? 0);
    const from = defined(positions.get(partition));
    const to = autoOffsetReset === 'latest' ? logEnd : logStart;
    if (positions !== this.positions) return; // the assignment changed meanwhile
    positions.set(partition, to);
    this.options.onWarning?.(
      `offset ${from} of ${topic}[${partition}] is out of range (the log holds ${logStart} to ${logEnd}): continuing from the ${autoOffsetReset} offset, ${to}` +
        (from < logStart && autoOffsetReset === 'earliest' ? ` (${logStart - from} messages were deleted before they were read)` : ''),
    );
  }

  private async commit(): Promise<void> {
    if (this.uncommitted.size === 0) return;
    const offsets = [...this.uncommitted].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset: String(offset) }));
    this.uncommitted = new Map();
    await this.consumer.commitOffsets(offsets).catch(() => {
      // A rebalance in progress refuses commits: the new owner starts from the last accepted one (at least once).
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.commitTimer);
    await this.loop;
    await this.commit();
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    await this.cluster.close();
  }
}
