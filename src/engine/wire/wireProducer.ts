import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../../config/connection.js';
import type { Acks, PartitionBatch, ProducerEngine } from '../engine.js';
import { API } from './brokerConnection.js';
import { ClusterMetadata } from './clusterMetadata.js';
import { Writer, type Reader } from './codec.js';
import { connectionError, protocolError, type WireError } from './protocolErrors.js';
import { writeRecordBatch } from './recordBatch.js';

const PRODUCE_VERSION = 7; // non-flexible; Kafka 4 accepts 3..12


/**
 * ktc's own producer on Kafka's wire protocol: each record batch is written
 * straight into the request buffer (no object per record, one CRC pass), one
 * Produce request per leader per send. It covers what ktc's send loop needs:
 * SASL (SCRAM, PLAIN), TLS and mTLS, acks 0/1/all, retries with metadata
 * refresh when leadership moves. Idempotence and compression stay with kafkajs.
 */
export class WireProducer implements ProducerEngine {
  private readonly cluster: ClusterMetadata;

  private constructor(
    private readonly config: ConnectionConfig,
    private readonly acks: Acks,
  ) {
    this.cluster = new ClusterMetadata(config);
  }

  static async connect(config: ConnectionConfig, acks: Acks): Promise<WireProducer> {
    const producer = new WireProducer(config, acks);
    await producer.cluster.refresh([]);
    return producer;
  }

  async send(topic: string, batches: PartitionBatch[]): Promise<void> {
    const started = Date.now();
    let pending = batches;
    let lastError: WireError | undefined;
    for (let attempt = 0; ; attempt++) {
      const leaders = await this.cluster.leadersOf(topic);
      const byLeader = new Map<number, PartitionBatch[]>();
      for (const b of pending) {
        const leader = leaders[b.partition];
        if (leader === undefined) throw protocolError(3, `topic "${topic}" has no partition ${b.partition}`);
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(b);
      }
      const failed: PartitionBatch[] = [];
      await Promise.all(
        [...byLeader].map(async ([leader, list]) => {
          try {
            const errors = await this.produceTo(leader, topic, list);
            for (const [partition, err] of errors) {
              if (!err.retriable) throw err;
              lastError = err;
              failed.push(list.find((b) => b.partition === partition)!);
            }
          } catch (err) {
            if ((err as WireError).retriable === false) throw err;
            lastError = err as WireError;
            this.cluster.drop(leader);
            failed.push(...list);
          }
        }),
      );
      if (failed.length === 0) return;
      if (attempt >= 8 || Date.now() - started > this.config.timeoutMs) throw lastError ?? connectionError('produce kept failing');
      pending = failed;
      await sleep(Math.min(100 * 2 ** attempt, 2000));
      this.cluster.forget(topic);
    }
  }

  close(): Promise<void> {
    return this.cluster.close();
  }

  /** Sends one Produce request; returns the partitions the broker refused, with why. */
  private async produceTo(leader: number, topic: string, batches: PartitionBatch[]): Promise<Map<number, WireError>> {
    let size = 64 + topic.length;
    for (const b of batches) {
      size += 80;
      for (const v of b.values) size += v.length + 16;
    }
    const w = new Writer(size);
    const now = Date.now();
    w.string(null).int16(this.acks).int32(this.config.timeoutMs);
    w.int32(1).string(topic);
    w.int32(batches.length);
    for (const b of batches) {
      w.int32(b.partition);
      const lengthAt = w.pos;
      w.int32(0);
      writeRecordBatch(w, b.values, now);
      w.buf.writeInt32BE(w.pos - lengthAt - 4, lengthAt);
    }
    const connection = await this.cluster.connection(leader);
    const reply = await connection.request(API.produce, PRODUCE_VERSION, w.result(), this.acks !== 0);
    return reply ? parseProduceResponse(reply, connection.address) : new Map();
  }
}

function parseProduceResponse(r: Reader, address: string): Map<number, WireError> {
  const errors = new Map<number, WireError>();
  r.array(() => {
    const topic = r.string();
    r.array(() => {
      const partition = r.int32();
      const error = r.int16();
      r.int64(); // base_offset
      r.int64(); // log_append_time_ms
      r.int64(); // log_start_offset
      if (error !== 0) errors.set(partition, protocolError(error, `producing to ${topic}[${partition}] on ${address}`));
    });
  });
  return errors;
}
