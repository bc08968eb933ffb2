/**
 * Worker-thread entry for --workers: runs one producer's share with its own
 * kafkajs client and event loop, reports progress twice a second and its
 * outcome at the end. Only plain data crosses the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeKafkaError } from '../engine/kafkaErrors.js';
import { createEngine } from '../engine/createEngine.js';
import { systemClock } from './clock.js';
import { createSendLoop, outcomeOf, type ProducerJob, type ProducerShare } from './producerRunner.js';
import type { SendLoop } from './sendLoop.js';
import type { FromWorker, ToWorker } from './workerMessages.js';
import { present } from '../defined.js';

const { job, share } = workerData as { job: ProducerJob; share: ProducerShare };
const port = present(parentPort);
const post = (message: FromWorker) => port.postMessage(message);
let loop: SendLoop | undefined;
let stopRequested = false;

// ToWorker has one message, { type: 'stop' }: any message stops the loop.
const onMessage: (message: ToWorker) => void = () => {
  stopRequested = true;
  loop?.stop();
};
port.on('message', onMessage);

async function main(): Promise<void> {
  const engine = createEngine(job.connection, job.engine);
  const ctx = { action: 'produce' as const, brokers: job.connection.brokers, topic: job.topic };
  const created = await createSendLoop(engine, job, share, systemClock, {
    classifyError: (err) => describeKafkaError(err, ctx, job.errorHints),
  }).catch((err: unknown) => {
    throw new Error(describeKafkaError(err, ctx, job.errorHints).message);
  });
  loop = created.loop;
  if (stopRequested) loop.stop();
  const stats = loop.stats;
  const timer = setInterval(() => {
    post({ type: 'progress', sent: stats.sent, acked: stats.acked, failed: stats.failed, inFlight: stats.inFlight, window: stats.takeWindow() });
  }, 250);
  try {
    await loop.run();
  } finally {
    clearInterval(timer);
    await created.close().catch(() => undefined);
  }
  const { acknowledged, ...rest } = outcomeOf(loop, created.producerId, created.counters());
  const bits = acknowledged.toTransfer();
  port.postMessage({ type: 'done', outcome: rest, acknowledged: bits } satisfies FromWorker, [bits.words.buffer as ArrayBuffer]);
}

main().catch((err: unknown) => post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }));
