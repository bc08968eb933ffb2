/**
 * The @platformatic/kafka peer: a producer and a consumer perf runner, run by
 * the bench under Node >= 22.22 (that package's floor) with the package
 * installed in the bench's cache, never as a ktc dependency:
 *
 *   node24 platformaticPerf.js produce <package entry> <json settings>
 *   node24 platformaticPerf.js consume <package entry> <json settings>
 *
 * It prints {"window":{records,seconds}} lines (5 s for the producer, 1 s for
 * the consumer, as the Java tools do) and a last {"result":...} line. The
 * producer sends `batch` messages per send() call, laid out as ktc lays them
 * out (contiguous runs per partition), with `inFlight` calls outstanding;
 * latency is send() call → its promise settling, per message.
 */
import { pathToFileURL } from 'node:url';
import { LatencyHistogram } from '../../src/stats/latencyHistogram.js';

interface SaslSettings {
  mechanism: 'SCRAM-SHA-512';
  username: string;
  password: string;
}

export interface PlatformaticProduceSettings {
  bootstrap: string[];
  sasl: SaslSettings;
  topic: string;
  partitions: number;
  messages: number;
  recordSize: number;
  batch: number;
  /** Partitions one send spreads over, as ktc's defaults do. */
  partitionsPerSend: number;
  inFlight: number;
  /** Messages per second, open loop; 0 = as fast as acks allow. */
  rate: number;
}

export interface PlatformaticConsumeSettings {
  bootstrap: string[];
  sasl: SaslSettings;
  topic: string;
  group: string;
  messages: number;
  maxBytes: number;
  maxBytesPerPartition: number;
}

/** The slice of @platformatic/kafka's API this runner uses (the package is not a ktc dependency, so no types from it). */
interface PlatformaticModule {
  Producer: new (options: Record<string, unknown>) => {
    send(options: { messages: Array<{ topic: string; partition: number; value: Buffer }> }): Promise<unknown>;
    close(): Promise<void>;
  };
  Consumer: new (options: Record<string, unknown>) => {
    consume(options: Record<string, unknown>): Promise<NodeJS.ReadableStream & { close(): Promise<void> }>;
    close(force?: boolean): Promise<void>;
  };
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const print = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

/** Prints a window every `ms` of what `count()` grew by; the last partial window is not printed (as the Java tools). */
function windows(ms: number, count: () => number): () => void {
  let lastAt = nowUs();
  let last = 0;
  const timer = setInterval(() => {
    const at = nowUs();
    const c = count();
    print({ window: { records: c - last, seconds: (at - lastAt) / 1e6 } });
    last = c;
    lastAt = at;
  }, ms);
  return () => clearInterval(timer);
}

async function produce(kafka: PlatformaticModule, s: PlatformaticProduceSettings): Promise<void> {
  const producer = new kafka.Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: s.bootstrap,
    sasl: s.sasl,
    idempotent: true,
    acks: -1,
    maxInflights: 5,
  });
  const value = Buffer.alloc(s.recordSize, 120);
  const latency = new LatencyHistogram();
  let acked = 0;
  let next = 0;
  let partition = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const start = nowUs();
  const stopWindows = windows(5000, () => acked);
  const sendOne = (count: number): void => {
    const per = Math.ceil(count / Math.min(s.partitions, s.partitionsPerSend, count));
    const messages: Array<{ topic: string; partition: number; value: Buffer }> = [];
    for (let i = 0; i < count; i++) {
      if (i > 0 && i % per === 0) partition = (partition + 1) % s.partitions;
      messages.push({ topic: s.topic, partition, value });
    }
    partition = (partition + 1) % s.partitions;
    inFlight++;
    const sentAt = nowUs();
    producer
      .send({ messages })
      .then(
        () => {
          latency.recordMany(nowUs() - sentAt, count);
          acked += count;
        },
        (err: unknown) => (failure ??= err as Error),
      )
      .finally(() => {
        inFlight--;
        wake?.();
      });
  };
  const waitWake = (maxMs: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  while (next < s.messages && failure === undefined) {
    if (inFlight >= s.inFlight) {
      await waitWake(1000);
      continue;
    }
    let count = Math.min(s.batch, s.messages - next);
    if (s.rate > 0) {
      const due = Math.floor(((nowUs() - start) / 1e6) * s.rate) + 1 - next;
      if (due <= 0) {
        await waitWake(Math.max(0, ((next / s.rate) * 1e6 - (nowUs() - start)) / 1000));
        continue;
      }
      count = Math.min(count, due);
    }
    sendOne(count);
    next += count;
  }
  while (inFlight > 0) await waitWake(1000);
  const seconds = (nowUs() - start) / 1e6;
  stopWindows();
  await producer.close();
  if (failure !== undefined) throw failure;
  const summary = latency.summary();
  print({
    result: { records: acked, seconds, latencyUs: { p50: summary.percentiles.p50, p99: summary.percentiles.p99, 'p99.9': summary.percentiles['p99.9'] } },
  });
}

async function consume(kafka: PlatformaticModule, s: PlatformaticConsumeSettings): Promise<void> {
  const consumer = new kafka.Consumer({
    clientId: 'bench-platformatic',
    groupId: s.group,
    bootstrapBrokers: s.bootstrap,
    sasl: s.sasl,
    maxBytes: s.maxBytes,
    maxBytesPerPartition: s.maxBytesPerPartition,
    // read_uncommitted, as the Java consumer and ktc read by default (this package defaults to read_committed)
    isolationLevel: 0,
  });
  let received = 0;
  const stream = await consumer.consume({ topics: [s.topic], mode: 'earliest', autocommit: true });
  // Counting stops at the target, so the last window and the result hold exactly what was asked for.
  const stopWindows = windows(1000, () => Math.min(received, s.messages));
  let firstAt = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {
      if (received === 0) firstAt = nowUs();
      if (++received === s.messages) resolve();
    });
    stream.on('error', reject);
  });
  // From the first message, as ConsumerPerformance's fetch.nMsg.sec and ktc leave the group join out.
  const seconds = (nowUs() - firstAt) / 1e6;
  received = s.messages;
  stopWindows();
  await stream.close();
  await consumer.close(true);
  print({ result: { records: received, seconds } });
}

async function main(): Promise<void> {
  const [mode, entry, json] = process.argv.slice(2);
  if (!mode || !entry || !json) throw new Error('usage: platformaticPerf.js produce|consume <package entry> <json settings>');
  const kafka = (await import(pathToFileURL(entry).href)) as PlatformaticModule;
  if (mode === 'produce') await produce(kafka, JSON.parse(json) as PlatformaticProduceSettings);
  else if (mode === 'consume') await consume(kafka, JSON.parse(json) as PlatformaticConsumeSettings);
  else throw new Error(`unknown mode ${mode}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`platformaticPerf: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
