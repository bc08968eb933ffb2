import type { ConnectionConfig } from '../../config/connection.js';
import type { Acks, BatchSettled, DeliveryCounters, PartitionBatch, ProducerEngine } from '../engine.js';
import { API } from './brokerConnection.js';
import { ClusterMetadata, type ClusterView } from './clusterMetadata.js';
import { BufferPool } from './bufferPool.js';
import { Writer, type Reader } from './codec.js';
import { isRetriable } from '../../errors.js';
import { DeliveryTimeoutError, KafkaProtocolError, protocolError } from './protocolErrors.js';
import type { CompressionCodec } from './compression.js';
import { writeRecordBatch } from './recordBatch.js';
import { defined } from '../../defined.js';
// Java's max.request.size default: batches of one leader share a request up to this many bytes of values.
import { DEFAULT_SEND_BYTES as MAX_REQUEST_BYTES } from '../../config/producerDefaults.js';

/** Versions ktc speaks (non-flexible; Kafka 4 accepts Produce 3..12, InitProducerId 0..5); the highest common one is used. */
const PRODUCE_VERSIONS = [3, 8] as const;
const INIT_PRODUCER_ID_VERSIONS = [0, 1] as const;

const DUPLICATE_SEQUENCE_NUMBER = 46;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
/** The broker no longer knows this producer id or epoch: start a new one (Java bumps the epoch). */
const PRODUCER_STATE_LOST = new Set([47, 59, 90]);

export interface WireProducerSettings {
  acks: Acks;
  compression: CompressionCodec;
  idempotent: boolean;
  /** Java's delivery.timeout.ms: a batch is retried until this long after send(). */
  deliveryTimeoutMs: number;
  /** Java's retry.backoff.ms and retry.backoff.max.ms: exponential backoff between retries of a batch. */
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** Java's max.in.flight.requests.per.connection: produce requests awaiting an answer per broker. */
  maxInFlightPerBroker: number;
}

export const DEFAULT_RETRY_BACKOFF = { retryBackoffMs: 100, retryBackoffMaxMs: 1000 } as const;

/** One partition batch on its way: sent, waiting for a retry, or queued behind an earlier one. */
interface Pending {
  readonly batch: PartitionBatch;
  readonly lane: Lane;
  readonly count: number;
  readonly createdAtMs: number;
  readonly deadlineMs: number;
  readonly settle: (error: Error | undefined) => void;
  /** First sequence number (idempotence), -1 without. */
  seq: number;
  attempts: number;
  readyAtMs: number;
  inFlight: boolean;
  done: boolean;
  lastError: Error | undefined;
}

/**
 * One partition's batches in send order. With idempotence the broker accepts
 * a partition's sequence numbers only in order, so after a failure the lane
 * resends one batch at a time, oldest first, until it is back in order (what
 * the Java producer does); later batches that were already in flight come
 * back OUT_OF_ORDER_SEQUENCE_NUMBER and are retried in their turn.
 */
class Lane {
  nextSeq = 0;
  readonly unacked: Pending[] = [];
  inFlight = 0;
  recovering = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Batches that may go out now, in order: at most one while recovering. */
  sendable(nowMs: number): Pending[] {
    const out: Pending[] = [];
    if (this.recovering) {
      const head = this.unacked[0];
      if (this.inFlight === 0 && head && head.readyAtMs <= nowMs) out.push(head);
      return out;
    }
    for (const p of this.unacked) {
      if (p.inFlight) continue;
      if (p.readyAtMs > nowMs) break; // keep order: nothing overtakes a batch waiting to be retried
      out.push(p);
    }
    return out;
  }
}

interface ProduceResponse {
  errors: Map<number, number>;
  throttleMs: number;
}

/**
 * ktc's own producer on Kafka's wire protocol, with the Java producer's
 * delivery contract: every batch is retried (metadata refresh, exponential
 * backoff) until the delivery timeout; with idempotence (the default, as in
 * Java since Kafka 3.0) per-partition sequence numbers make retries safe, so
 * nothing is duplicated or reordered with up to 5 requests in flight. Each
 * batch is settled on its own, from its partition's answer: one failing
 * leader never fails what the others acknowledged. Record batches are written
 * straight into the request buffer (no object per record, one CRC pass).
 */
export class WireProducer implements ProducerEngine {
  private readonly lanes = new Map<string, Map<number, Lane>>();
  private producerId = -1n;
  private producerEpoch = -1;
  private needsNewProducerId = false;
  private inFlightRequests = 0;
  /** Requests awaiting an answer, per broker: a broker at maxInFlightPerBroker gets its next request on an answer. */
  private readonly inFlightByBroker = new Map<number, number>();
  private pumping = false;
  private pumpAgain = false;
  private renewing = false;
  private idRetryAtMs = 0;
  private readonly refreshing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Infinity;
  private readonly metadataRetryAtMs = new Map<string, number>();
  private metadataFailures = 0;
  private idFailures = 0;
  private closed = false;
  private readonly stats: DeliveryCounters = { requests: 0, retries: 0, producerIdResets: 0, throttledMs: 0 };
  /** Spare request buffers: as many as sends in flight at ktc's defaults and a few more for several leaders, 32 MiB at most. */
  private readonly requestBuffers = new BufferPool(8, 32 * 2 ** 20);

  constructor(
    private readonly cluster: ClusterView,
    private readonly settings: WireProducerSettings,
    private readonly requestTimeoutMs: number,
  ) {}

  static async connect(config: ConnectionConfig, settings: WireProducerSettings): Promise<WireProducer> {
    const cluster = new ClusterMetadata(config);
    const producer = new WireProducer(cluster, settings, config.timeoutMs);
    try {
      await cluster.refresh([]);
      if (settings.idempotent) await producer.initProducerIdWithin(config.timeoutMs);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return producer;
  }

  send<B extends PartitionBatch>(topic: string, batches: B[], settled: BatchSettled<B>): void {
    const now = Date.now();
    for (const batch of batches) {
      const lane = this.lane(topic, batch.partition);
      const pending: Pending = {
        batch,
        lane,
        count: batch.values.length,
        createdAtMs: now,
        deadlineMs: now + this.settings.deliveryTimeoutMs,
        settle: (error) => settled(batch, error),
        seq: -1,
        attempts: 0,
        readyAtMs: now,
        inFlight: false,
        done: false,
        lastError: undefined,
      };
      if (this.settings.idempotent) {
        pending.seq = lane.nextSeq;
        lane.nextSeq = (lane.nextSeq + pending.count) % 2 ** 31; // sequence numbers wrap at int32
      }
      lane.unacked.push(pending);
    }
    this.pump();
  }

  abort(reason: Error): void {
    for (const topicLanes of this.lanes.values()) {
      for (const lane of topicLanes.values()) {
        for (const p of lane.unacked.splice(0)) this.finish(p, reason);
      }
    }
  }

  counters(): DeliveryCounters {
    return { ...this.stats };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.cluster.close();
  }

  private lane(topic: string, partition: number): Lane {
    let byPartition = this.lanes.get(topic);
    if (!byPartition) this.lanes.set(topic, (byPartition = new Map<number, Lane>()));
    let lane = byPartition.get(partition);
    if (!lane) byPartition.set(partition, (lane = new Lane(topic, partition)));
    return lane;
  }

  /**
   * Sends whatever may go out now; runs again whenever a send, a response, a
   * metadata answer or a timer changes that. It never waits on the network
   * itself, so delivery timeouts fire even while every broker is stalled.
   */
  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true; // a settle callback sent more while we were here
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- pumpOnce's settle callbacks set pumpAgain and may close us; TypeScript does not see it
      } while (this.pumpAgain && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    const now = Date.now();
    this.expireWaiting(now);
    if (this.needsNewProducerId) {
      // New sequence numbers are only safe once nothing sent under the old producer id is still in flight.
      if (this.inFlightRequests === 0) this.renewProducerId(now);
      this.scheduleNext(now);
      return;
    }
    for (const [topic, byPartition] of this.lanes) {
      const ready = [...byPartition.values()].map((lane) => lane.sendable(now)).filter((list) => list.length > 0);
      if (ready.length === 0) continue;
      const leaders = this.cluster.knownLeaders(topic);
      if (!leaders) {
        this.refreshLeaders(topic, now);
        continue;
      }
      // Round i carries each lane's i-th sendable batch: one batch per partition per request, order kept.
      const rounds = new Map<number, Pending[][]>();
      for (const list of ready) {
        const leader = leaders[defined(list[0]).lane.partition] ?? -1;
        if (leader < 0) {
          this.cluster.forget(topic);
          for (const p of list) this.retryLater(p, protocolError(5, `no leader for ${topic}[${p.lane.partition}]`), now);
          continue;
        }
        let byRound = rounds.get(leader);
        if (!byRound) rounds.set(leader, (byRound = []));
        list.forEach((p, i) => (byRound[i] ??= []).push(p));
      }
      for (const [leader, byRound] of rounds) {
        // Requests past the leader's in-flight limit wait for an answer from it, whose finally pumps again, in order.
        const free = this.settings.maxInFlightPerBroker - (this.inFlightByBroker.get(leader) ?? 0);
        for (const request of requests(byRound).slice(0, Math.max(0, free))) this.produce(leader, topic, request);
      }
    }
    this.scheduleNext(now);
  }

  /** Asks for a topic's leaders in the background; the batches wait (and may expire), they never fail early. */
  private refreshLeaders(topic: string, now: number): void {
    if (this.refreshing.has(topic) || (this.metadataRetryAtMs.get(topic) ?? 0) > now) return;
    this.refreshing.add(topic);
    this.cluster
      .leadersOf(topic)
      .then(
        () => {
          this.metadataFailures = 0;
        },
        (err: unknown) => {
          const error = err as Error;
          for (const lane of this.lanes.get(topic)?.values() ?? []) {
            for (const p of [...lane.unacked]) {
              if (p.inFlight) continue;
              p.lastError = error;
              if (!isRetriable(error)) this.fail(p, error);
            }
          }
          this.metadataRetryAtMs.set(topic, Date.now() + this.backoff(++this.metadataFailures));
        },
      )
      .finally(() => {
        this.refreshing.delete(topic);
        this.pump();
      });
  }

  private produce(leader: number, topic: string, round: Pending[]): void {
    for (const p of round) {
      if (p.attempts > 0) this.stats.retries++;
      p.attempts++;
      p.inFlight = true;
      p.lane.inFlight++;
    }
    this.inFlightRequests++;
    this.inFlightByBroker.set(leader, (this.inFlightByBroker.get(leader) ?? 0) + 1);
    this.stats.requests++;
    void this.exchange(leader, topic, round).finally(() => {
      this.inFlightRequests--;
      this.inFlightByBroker.set(leader, (this.inFlightByBroker.get(leader) ?? 1) - 1);
      this.pump();
    });
  }

  private async exchange(leader: number, topic: string, round: Pending[]): Promise<void> {
    let response: ProduceResponse | undefined;
    let address = `broker ${leader}`;
    let failure: Error | undefined;
    try {
      const request = this.encode(topic, round);
      const connection = await this.cluster.connection(leader);
      address = connection.address;
      // The request body is the same from v3 to v8; only the response grew.
      const version = connection.version(API.produce, ...PRODUCE_VERSIONS);
      const reply = await connection.request(API.produce, version, request.result(), this.settings.acks !== 0);
      // Answered: the broker has read the whole request. Without an answer (acks=0, a failure) the socket may still be writing it.
      if (reply) this.requestBuffers.give(request.buf);
      response = reply ? parseProduceResponse(reply, version) : { errors: new Map(), throttleMs: 0 };
      this.stats.throttledMs += response.throttleMs;
      if (response.throttleMs > 0) connection.throttled(response.throttleMs, API.produce, version);
    } catch (err) {
      failure = err as Error;
      // The request's fate is unknown (written or not): reconnect, re-learn leaders, retry (idempotence dedups).
      if (isRetriable(failure)) {
        this.cluster.drop(leader);
        this.cluster.forget(topic);
      }
    }
    const now = Date.now();
    for (const p of round) {
      p.inFlight = false;
      p.lane.inFlight--;
    }
    for (const p of round) {
      if (p.done) continue; // aborted meanwhile
      if (failure) {
        if (!isRetriable(failure)) this.fail(p, failure);
        else this.retryLater(p, failure, now);
        continue;
      }
      const code = defined(response).errors.get(p.lane.partition) ?? (this.settings.acks === 0 ? 0 : 13);
      this.onPartitionResult(p, code, `producing to ${topic}[${p.lane.partition}] on ${address}`, now);
    }
  }

  private onPartitionResult(p: Pending, code: number, where: string, now: number): void {
    if (code === 0 || code === DUPLICATE_SEQUENCE_NUMBER) return this.succeed(p);
    const error = protocolError(code, where);
    if (this.settings.idempotent) {
      if (code === OUT_OF_ORDER_SEQUENCE_NUMBER) {
        // Behind an earlier failed batch this is expected; at the head of the lane the broker lost our state.
        if (p.lane.unacked[0] === p) this.needsNewProducerId = true;
        return this.retryLater(p, error, now);
      }
      if (PRODUCER_STATE_LOST.has(code)) {
        this.needsNewProducerId = true;
        return this.retryLater(p, error, now);
      }
    }
    if (!error.retriable) return this.fail(p, error);
    if (error.staleMetadata) this.cluster.forget(p.lane.topic);
    this.retryLater(p, error, now);
  }

  private retryLater(p: Pending, error: Error, now: number): void {
    p.lastError = error;
    if (now >= p.deadlineMs) return this.fail(p, new DeliveryTimeoutError(this.settings.deliveryTimeoutMs, error));
    p.readyAtMs = now + this.backoff(p.attempts);
    if (this.settings.idempotent) p.lane.recovering = true;
  }

  private succeed(p: Pending): void {
    const lane = p.lane;
    remove(lane.unacked, p);
    if (lane.recovering && lane.inFlight === 0 && lane.unacked.every((q) => q.attempts === 0)) lane.recovering = false;
    this.finish(p, undefined);
  }

  private fail(p: Pending, error: Error): void {
    const lane = p.lane;
    if (!remove(lane.unacked, p)) return;
    // A batch given up on may or may not have been written: its sequence numbers are now a gap the broker
    // would never get past, so later batches start over under a new producer id (Java bumps the epoch).
    if (this.settings.idempotent) this.needsNewProducerId = true;
    this.finish(p, error);
  }

  private finish(p: Pending, error: Error | undefined): void {
    if (p.done) return;
    p.done = true;
    p.settle(error);
  }

  /**
   * Batches past their delivery timeout fail now, in flight or not (as Java
   * expires in-flight batches too): a late answer to their request is ignored.
   */
  private expireWaiting(now: number): void {
    for (const byPartition of this.lanes.values()) {
      for (const lane of byPartition.values()) {
        for (const p of [...lane.unacked]) {
          if (now < p.deadlineMs) continue;
          const why = p.lastError ?? (p.inFlight ? protocolError(7, `no answer to the produce request for ${lane.topic}[${lane.partition}]`) : undefined);
          this.fail(p, new DeliveryTimeoutError(this.settings.deliveryTimeoutMs, why));
        }
      }
    }
  }

  /**
   * A timer for the next deadline or retry after a pump at `now`. A batch that was ready at `now` but did not go
   * waits for an event that pumps again (an answer from its leader, which is at its in-flight limit, or a metadata
   * answer): no timer for it, which would only spin until then. The pump's own `now`, not a later clock reading:
   * a batch that became ready in between was not looked at, and needs the timer.
   */
  private scheduleNext(now: number): void {
    let at = Infinity;
    for (const [topic, byPartition] of this.lanes) {
      for (const lane of byPartition.values()) {
        for (const p of lane.unacked) {
          at = Math.min(at, p.deadlineMs);
          if (p.inFlight) continue;
          const readyAt = Math.max(p.readyAtMs, this.metadataRetryAtMs.get(topic) ?? 0);
          if (readyAt > now) at = Math.min(at, readyAt);
        }
      }
    }
    if (this.needsNewProducerId && this.idRetryAtMs > 0) at = Math.min(at, this.idRetryAtMs);
    if (at === Infinity || (this.timer && this.timerAtMs <= at)) return;
    clearTimeout(this.timer);
    this.timerAtMs = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAtMs = Infinity;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** Java's exponential backoff (retry.backoff.ms doubling up to retry.backoff.max.ms) with ±20 % jitter. */
  private backoff(attempts: number): number {
    const { retryBackoffMs, retryBackoffMaxMs } = this.settings;
    const base = Math.min(retryBackoffMs * 2 ** Math.max(0, attempts - 1), retryBackoffMaxMs);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** A new producer id, in the background; then every lane's unacknowledged batches are renumbered from 0. */
  private renewProducerId(now: number): void {
    if (this.renewing || this.idRetryAtMs > now) return;
    this.renewing = true;
    this.initProducerId()
      .then(
        () => {
          this.idFailures = 0;
          this.needsNewProducerId = false;
          this.stats.producerIdResets++;
          for (const byPartition of this.lanes.values()) {
            for (const lane of byPartition.values()) {
              let seq = 0;
              for (const p of lane.unacked) {
                p.seq = seq;
                seq = (seq + p.count) % 2 ** 31;
              }
              lane.nextSeq = seq;
              lane.recovering = false;
            }
          }
        },
        (err: unknown) => {
          const error = err as Error;
          if (!isRetriable(error)) this.abort(error);
          else this.idRetryAtMs = Date.now() + this.backoff(++this.idFailures);
        },
      )
      .finally(() => {
        this.renewing = false;
        this.pump();
      });
  }

  private async initProducerIdWithin(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.initProducerId();
        return;
      } catch (err) {
        if (!isRetriable(err) || Date.now() + this.backoff(attempt) > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, this.backoff(attempt)));
      }
    }
  }

  private async initProducerId(): Promise<void> {
    const connection = await this.cluster.anyConnection();
    const body = new Writer(16).string(null).int32(60_000).result();
    const r = defined(await connection.request(API.initProducerId, connection.version(API.initProducerId, ...INIT_PRODUCER_ID_VERSIONS), body));
    this.stats.throttledMs += r.int32();
    const error = r.int16();
    const producerId = r.int64();
    const epoch = r.int16();
    if (error !== 0) throw new KafkaProtocolError(error, `InitProducerId (idempotent producer) on ${connection.address}`, { api: 'InitProducerId' });
    this.producerId = producerId;
    this.producerEpoch = epoch;
  }

  private encode(topic: string, round: Pending[]): Writer {
    let size = 64 + topic.length;
    for (const p of round) {
      size += 80 + p.batch.values.byteLength + 16 * p.batch.values.length;
    }
    const w = new Writer(this.requestBuffers.take(size));
    w.string(null).int16(this.settings.acks).int32(this.requestTimeoutMs);
    w.int32(1).string(topic);
    w.int32(round.length);
    for (const p of round) {
      w.int32(p.lane.partition);
      const lengthAt = w.pos;
      w.int32(0);
      writeRecordBatch(w, p.batch.values, p.createdAtMs, {
        codec: this.settings.compression,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        baseSequence: p.seq,
      });
      w.buf.writeInt32BE(w.pos - lengthAt - 4, lengthAt);
    }
    return w;
  }
}

/**
 * Rounds split into requests of at most MAX_REQUEST_BYTES of batches (a larger batch goes alone), in order: batches
 * of several sends that waited for their leader share requests, and those stay the size Java's would be.
 */
function requests(rounds: Pending[][]): Pending[][] {
  const out: Pending[][] = [];
  for (const round of rounds) {
    let request: Pending[] = [];
    let bytes = 0;
    for (const p of round) {
      const size = p.batch.values.byteLength;
      if (request.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        out.push(request);
        request = [];
        bytes = 0;
      }
      request.push(p);
      bytes += size;
    }
    if (request.length > 0) out.push(request);
  }
  return out;
}

function remove(list: Pending[], p: Pending): boolean {
  const i = list.indexOf(p);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

export function parseProduceResponse(r: Reader, version: number): ProduceResponse {
  const errors = new Map<number, number>();
  r.array(() => {
    r.string(); // topic: ktc sends one per request
    r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      r.int64(); // base_offset
      r.int64(); // log_append_time_ms
      r.int64(); // log_start_offset
      if (version >= 8) {
        r.array(() => [r.int32(), r.string()]); // record_errors: batch_index, message
        r.string(); // error_message
      }
      errors.set(partition, error);
    });
  });
  return { errors, throttleMs: r.int32() };
}
