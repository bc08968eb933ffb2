import { afterAll, beforeAll, describe, it } from 'vitest';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { CODECS, type CompressionCodec } from '../../src/engine/wire/compression.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { paths } from '../../src/local/layout.js';
import { createTopic, JavaTools, type ConsoleRecord, type LogBatch, type ProducerRecord } from '../helpers/javaTools.js';
import { loggedMessages, runKtc, type KtcRun } from '../helpers/runKtc.js';
import { testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined, present } from '../../src/defined.js';

/**
 * Every codec end to end against the real cluster, one topic per codec with compression.type set to it:
 * Java's console producer writes keys, headers and null values with the codec, ktc writes with --compression
 * none (the broker compresses), with the codec, and with the codec through --engine kafkajs; then ktc's two
 * engines and Java's console consumer each read the whole topic, and DumpLogSegments shows that every batch
 * on disk really is in that codec.
 */

let cluster: TestCluster;
let java: JavaTools;
let creds: string;

beforeAll(async () => {
  cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
  java = await JavaTools.forCluster(cluster);
});

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unassigned when beforeAll failed
  await java?.close();
});

const ktc = (args: string[]): Promise<KtcRun> => runKtc(['--credentials', '-', ...args], { input: creds, timeoutMs: 120_000 });

/** Topic config value for a codec ("none" is spelled "uncompressed" there). */
const topicCompression = (codec: CompressionCodec): string => (codec === 'none' ? 'uncompressed' : codec);

/** The console producer reads no line without headers once it parses headers: two runs, with and without. */
function javaRecords(codec: CompressionCodec): { withHeaders: ProducerRecord[]; withoutHeaders: ProducerRecord[] } {
  return {
    withHeaders: [
      {
        key: 'k1',
        value: `plain value ${codec}`,
        headers: [
          ['h1', 'v1'],
          ['h1', 'v1 again'],
          ['h2', null],
        ],
      },
      { key: null, value: `{"codec": "${codec}"}`, headers: [['trace-id', 'abc-123']] },
      { key: 'clé ü', value: null, headers: [['h', '']] },
      { key: '', value: '', headers: [['empty-key-and-value', codec]] },
    ],
    withoutHeaders: [
      { key: 'k5', value: `no headers ${codec}` },
      { key: null, value: null },
      { key: null, value: `ünïcödé ✓ ${codec}` },
    ],
  };
}

/** What ktc logs for javaRecords(codec), offset by offset (single partition), after "Message received: ". */
function expectedKtcLines(topic: string, codec: CompressionCodec): string[] {
  const at = (offset: number) => `topic=${topic}, partition=0, offset=${offset}`;
  const foreign = ' (not JSON: counted as foreign)';
  const nul = '<null> (null value: counted as null)';
  return [
    `${at(0)}, key=k1, headers={h1: v1, h1: v1 again, h2: <null>}, message content: "plain value ${codec}"${foreign}`,
    `${at(1)}, headers={trace-id: abc-123}, message content: {"codec": "${codec}"}`,
    `${at(2)}, key=clé ü, headers={h: ""}, message content: ${nul}`,
    `${at(3)}, key="", headers={empty-key-and-value: ${codec}}, message content: ""${foreign}`,
    `${at(4)}, key=k5, message content: "no headers ${codec}"${foreign}`,
    `${at(5)}, message content: ${nul}`,
    `${at(6)}, message content: "ünïcödé ✓ ${codec}"${foreign}`,
  ];
}
const JAVA_RECORDS = 7;
/** Per ktc producer run. */
const KTC_MESSAGES = 20;
/** ktc writes three times: uncompressed (the broker compresses), with the codec, with the codec through kafkajs. */
const TOTAL = JAVA_RECORDS + 3 * KTC_MESSAGES;

/** The consumer's per-message lines, from "topic=" on (the timestamp and logger name cut off). */
function receivedLines(stdout: string): string[] {
  const marker = 'Message received: ';
  return stdout
    .split('\n')
    .filter((l) => l.includes(marker))
    .map((l) => l.slice(l.indexOf(marker) + marker.length));
}

const CONTENT = 'message content: ';

function summaryLine(stdout: string): string | undefined {
  return stdout.split('\n').find((l) => l.startsWith('Consumed '));
}

interface Written {
  topic: string;
  /** _ids ktc published, per producer run, in order (one partition). */
  published: Record<'broker' | 'wire' | 'kafkajs', string[]>;
}

/** Creates the codec's topic and writes to it: Java first (offsets 0..6), then ktc's three runs. */
async function write(codec: CompressionCodec): Promise<Written> {
  const topic = uniqueName(`codec-${codec}`);
  const published: Written['published'] = { broker: [], wire: [], kafkajs: [] };
  await createTopic(java.admin, topic, 1, 3, { 'compression.type': topicCompression(codec) });
  const records = javaRecords(codec);
  await java.produce({ topic, compression: codec, records: records.withHeaders });
  await java.produce({ topic, compression: codec, records: records.withoutHeaders });
  const runs: Array<[keyof Written['published'], string[]]> = [
    ['broker', ['--compression', 'none']],
    ['wire', ['--compression', codec]],
    ['kafkajs', ['--compression', codec, '--engine', 'kafkajs']],
  ];
  for (const [name, flags] of runs) {
    const run = await ktc(['-t', topic, '--producer', '-n', String(KTC_MESSAGES), ...flags]);
    if (run.code !== 0) throw new Error(`ktc ${flags.join(' ')} exited ${String(run.code)}: ${run.stderr}`);
    published[name] = loggedMessages(run.stdout, 'published').map((m) => m._id);
    if (new Set(published[name]).size !== KTC_MESSAGES) throw new Error(`ktc ${flags.join(' ')} published ${published[name].length} messages:\n${run.stdout}`);
  }
  return { topic, published };
}

const written = new Map<CompressionCodec, Written>();
let dumped: Promise<Map<string, LogBatch[]>>;

beforeAll(async () => {
  // The codecs' topics are independent: write them side by side (each step mostly waits on a JVM or the cluster).
  const all = await Promise.all(CODECS.map(write));
  CODECS.forEach((codec, i) => written.set(codec, defined(all[i])));
  const leaders = await Promise.all(all.map((w) => topicLeader(w.topic)));
  dumped = java.logBatches(
    all.map((w, i) => ({ nodeDataDir: paths.nodeData(cluster.state.dir, defined(defined(leaders[i])[0])), topic: w.topic, partition: 0 })),
  );
  dumped.catch(() => undefined); // awaited by the tests; an early failure must not be unhandled
}, 300_000);

const ownIds = ({ published }: Written) => [...published.broker, ...published.wire, ...published.kafkajs];

// Concurrent: each test mostly waits for a process to join a group or a JVM to start.
describe.concurrent.each(CODECS)('compression %s', (codec) => {
  it(`the log holds only ${codec} batches, each valid, ${TOTAL} records in all`, async ({ expect }) => {
    const { topic } = defined(written.get(codec));
    const batches = defined((await dumped).get(`${topic}-0`));
    expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([codec]));
    expect(batches.every((b) => b.valid && !b.control && !b.transactional)).toBe(true);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(TOTAL);
    expect(defined(batches.at(-1)).lastOffset).toBe(TOTAL - 1);
  });

  it.for(['wire', 'kafkajs'] as const)(
    'ktc (--engine %s) reads every record: the Java-written keys, headers and null values exactly, all of its own messages',
    async (engine, { expect }) => {
      const w = defined(written.get(codec));
      const run = await ktc(['-t', w.topic, '--consumer', '-n', String(TOTAL), '-c', `${uniqueName(`codec-${engine}`)}-`, '--engine', engine]);
      expect(run.code, run.stderr).toBe(0);
      const lines = receivedLines(run.stdout);
      expect(lines.slice(0, JAVA_RECORDS)).toEqual(expectedKtcLines(w.topic, codec));
      // ktc's own messages: keyless and headerless, so client.py's exact line, offsets in order after Java's.
      const own = lines.slice(JAVA_RECORDS);
      expect(own.map((l) => /^topic=\S+, partition=0, offset=(\d+), message content: \{/.exec(l)?.[1])).toEqual(
        Array.from({ length: 3 * KTC_MESSAGES }, (_, i) => String(JAVA_RECORDS + i)),
      );
      expect(own.map((l) => (JSON.parse(l.slice(l.indexOf(CONTENT) + CONTENT.length)) as { _id: string })._id)).toEqual(ownIds(w));
      expect(summaryLine(run.stdout)).toMatch(
        new RegExp(
          `^Consumed ${TOTAL} messages from ${w.topic} as group \\S+ \\(${3 * KTC_MESSAGES} from ktc, 1 other JSON, 4 not JSON \\(foreign\\), 2 null values\\)\\.$`,
        ),
      );
    },
  );

  it("Java's console consumer reads every message ktc wrote, and Java's own records as written", async ({ expect }) => {
    const w = defined(written.get(codec));
    const consumer = java.consoleConsumer({ topic: w.topic, fromBeginning: true, maxMessages: TOTAL, print: { offset: true, key: true, headers: true } });
    const result = await consumer.wait();
    expect(result.code, consumer.describe()).toBe(0);
    const records = consumer.records();
    const javaWritten = javaRecords(codec);
    expect(records.slice(0, JAVA_RECORDS)).toEqual(
      [...javaWritten.withHeaders, ...javaWritten.withoutHeaders].map((r, offset): ConsoleRecord => ({
        offset,
        headers: r.headers ?? [],
        key: r.key ?? null,
        value: r.value,
      })),
    );
    const own = records.slice(JAVA_RECORDS);
    expect(own.map((r) => [r.offset, r.key, r.headers])).toEqual(own.map((_, i) => [JAVA_RECORDS + i, null, []]));
    expect(own.map((r) => (JSON.parse(present(r.value)) as { _id: string })._id)).toEqual(ownIds(w));
  });
});

/** The leader of each partition of a topic, by partition: its log is certainly complete. */
async function topicLeader(topic: string): Promise<number[]> {
  const admin = createKafka(java.admin).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return defined(topics[0])
      .partitions.sort((a, b) => a.partitionId - b.partitionId)
      .map((p) => p.leader);
  } finally {
    await admin.disconnect();
  }
}
