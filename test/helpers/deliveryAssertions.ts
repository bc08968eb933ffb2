import { expect } from 'vitest';
import type { ConnectionConfig } from '../../src/config/connection.js';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { decodeRecord, newDecodedRecord } from '../../src/run/payload.js';
import type { RunResult } from '../../src/run/runResult.js';
import { errorLines, type KtcRun } from './runKtc.js';
import { uniqueName } from './testCluster.js';
import { defined } from '../../src/defined.js';

/**
 * What a produce+consume run through a fault must end with, as the Java client would: exit 0, no error line,
 * every message sent acknowledged, and every acknowledged message consumed exactly once and in order.
 */
export function expectDeliveredExactlyOnce(done: KtcRun): RunResult {
  expect(errorLines(done.stderr)).toEqual([]);
  const result = JSON.parse(done.stdout) as RunResult;
  expect(defined(result.producer).failed).toBe(0);
  expect(defined(result.producer).acked).toBe(defined(result.producer).sent);
  expect(defined(result.verification).lost).toBe(0);
  expect(defined(result.verification).duplicates).toBe(0);
  expect(defined(result.verification).outOfOrder).toBe(0);
  expect(defined(result.consumer).ktcMessages).toBe(defined(result.producer).acked);
  expect(done.code).toBe(0);
  return result;
}

/**
 * The log itself, read back by a consumer that is not ktc's (kafkajs, a group of its own, from the beginning) once
 * the run is over: it holds every message the run's producers had acknowledged, each exactly once (an idempotent
 * producer's retries are deduplicated by the broker), and nothing else. ktc's own verification only says what
 * ktc's consumer read.
 */
export async function expectLogHoldsEachAcknowledgedOnce(connection: ConnectionConfig, topic: string, result: RunResult): Promise<void> {
  const producer = defined(result.producer);
  const kafka = createKafka(connection);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const inLog = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  expect(inLog, 'records in the log').toBe(producer.acked);

  const seqs = new Map<string, Set<number>>();
  let records = 0;
  const decoded = newDecodedRecord();
  const consumer = kafka.consumer({ groupId: uniqueName('log-check'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records} of the ${inLog} records of ${topic} in 60 s`)), 60_000);
      void consumer.run({
        eachBatch: ({ batch }) => {
          for (const message of batch.messages) {
            records++;
            if (decodeRecord(message.value, decoded) !== 'ktc') continue;
            let set = seqs.get(decoded.producerId);
            if (!set) seqs.set(decoded.producerId, (set = new Set()));
            set.add(decoded.seq);
          }
          if (records >= inLog) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  // Each producer numbers its messages from 0: all of them acknowledged means 0..n-1, each once.
  const perProducer = [...seqs].map(([producerId, set]) => {
    let next = 0;
    while (set.has(next)) next++;
    return { producerId, unique: set.size, contiguousFrom0: next };
  });
  expect(records, 'records read').toBe(producer.acked);
  expect(perProducer.map((p) => p.producerId).sort()).toEqual([...producer.producerIds].sort());
  for (const p of perProducer) expect(p.contiguousFrom0, p.producerId).toBe(p.unique);
  expect(
    perProducer.reduce((n, p) => n + p.unique, 0),
    'distinct messages',
  ).toBe(producer.acked);
}

/** The "ktc was the bottleneck" warning: wrong whenever the cluster, not ktc, made messages wait. */
export function bottleneckWarnings(result: RunResult): string[] {
  return result.warnings.filter((w) => /bounded by ktc|load generator/.test(w));
}
