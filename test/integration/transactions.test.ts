import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCredentials } from '../../src/local/credentials.js';
import { createTopic, JavaTools, type ConsoleConsumer } from '../helpers/javaTools.js';
import { runKtc, type KtcRun } from '../helpers/runKtc.js';
import { testCluster, uniqueName } from '../helpers/testCluster.js';
import { defined, present } from '../../src/defined.js';

/**
 * Transactions written by Kafka's Java producer (test/fixtures/java/KtcTransactions.java: two transactional
 * producers interleaving committed and aborted transactions on two partitions, a plain producer in between),
 * read by ktc with either engine and either isolation level, and by Java's console consumer.
 */

const source = fileURLToPath(new URL('../fixtures/java/KtcTransactions.java', import.meta.url));

/** What KtcTransactions writes, per partition in offset order; each record's key is its value. */
const COMMITTED = [
  ['a1-0', 'a1-2', 'plain-0', 'b2-0', 'a3-0'],
  ['a1-1', 'plain-1', 'b2-1', 'a3-1'],
];
const EVERY_RECORD = [
  ['a1-0', 'b1-0', 'a1-2', 'plain-0', 'b2-0', 'a2-0', 'a2-2', 'a3-0'],
  ['a1-1', 'plain-1', 'b1-1', 'b2-1', 'a2-1', 'a3-1'],
];
const ABORTED_RECORDS = 5;
/** Five transactions, each on both partitions. */
const MARKERS = 10;
const count = (partitions: string[][]) => partitions.reduce((n, p) => n + p.length, 0);

interface Consumed {
  partition: number;
  offset: number;
  value: string;
}

let java: JavaTools;
let creds: string;
const topic = uniqueName('transactions');
type Isolation = 'read_committed' | 'read_uncommitted';
type EngineName = 'wire' | 'kafkajs';
const runs = new Map<string, Promise<KtcRun>>();
let javaCommitted: ConsoleConsumer;

function ktcConsume(engine: EngineName, isolation: Isolation): Promise<KtcRun> {
  const n = isolation === 'read_committed' ? count(COMMITTED) : count(EVERY_RECORD);
  const group = `${uniqueName(`txn-${engine}`)}-`;
  return runKtc(['--credentials', '-', '-t', topic, '--consumer', '-n', String(n), '-c', group, '--engine', engine, '--isolation-level', isolation], {
    input: creds,
    timeoutMs: 120_000,
  });
}

beforeAll(async () => {
  const cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
  java = await JavaTools.forCluster(cluster);
  const classes = await java.compile(source);
  await createTopic(java.admin, topic, 2);
  const writer = java.program(classes, 'KtcTransactions', [java.bootstrap, java.clientProperties, topic, uniqueName('ktc-txn')]);
  const written = await writer.wait();
  expect(written.code, writer.describe()).toBe(0);
  expect(written.stdout).toBe('done\n');
  // Every reader at once: each mostly waits for its group join, and the machine is shared.
  for (const engine of ['wire', 'kafkajs'] as const) {
    for (const isolation of ['read_committed', 'read_uncommitted'] as const) runs.set(`${engine} ${isolation}`, ktcConsume(engine, isolation));
  }
  javaCommitted = java.consoleConsumer({
    topic,
    fromBeginning: true,
    maxMessages: count(COMMITTED),
    isolationLevel: 'read_committed',
    print: { partition: true, offset: true, key: true },
  });
});

afterAll(async () => {
  await Promise.allSettled(runs.values());
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unassigned when beforeAll failed
  await java?.close();
});

/** ktc's per-message lines, parsed; every record has its value as key, so the key is checked here too. */
function consumedBy(run: KtcRun): Consumed[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.includes('Message received: '))
    .map((l) => {
      const m = /Message received: topic=(\S+), partition=(\d+), offset=(\d+), key=(\S+), message content: "(\S+)" \(not JSON: counted as foreign\)$/.exec(l);
      if (!m) throw new Error(`unexpected line: ${l}`);
      expect([m[1], m[4]]).toEqual([topic, m[5]]);
      return { partition: Number(m[2]), offset: Number(m[3]), value: defined(m[5]) };
    });
}

/** Values per partition, in the order consumed; also checks offsets rise within each partition. */
function byPartition(records: Consumed[]): string[][] {
  const out: string[][] = [[], []];
  const last = [-1, -1];
  for (const r of records) {
    expect(r.offset).toBeGreaterThan(defined(last[r.partition]));
    last[r.partition] = r.offset;
    defined(out[r.partition]).push(r.value);
  }
  return out;
}

const sorted = (records: Consumed[]) => [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);

async function ktcRun(engine: EngineName, isolation: Isolation): Promise<{ run: KtcRun; records: Consumed[] }> {
  const run = await defined(runs.get(`${engine} ${isolation}`));
  expect(run.code, run.stderr).toBe(0);
  return { run, records: consumedBy(run) };
}

describe('transactions written by the Java producer', () => {
  it('read_committed (wire engine): exactly the committed and non-transactional records; aborted records and markers reported', async () => {
    const { run, records } = await ktcRun('wire', 'read_committed');
    expect(byPartition(records)).toEqual(COMMITTED);
    expect(run.stdout).toContain(
      `  Not messages: ${ABORTED_RECORDS} records of aborted transactions skipped (read_committed); ${MARKERS} transaction markers.`,
    );
  });

  it('read_uncommitted (wire engine, the default): every data record, aborted ones too; only markers skipped', async () => {
    const { run, records } = await ktcRun('wire', 'read_uncommitted');
    expect(byPartition(records)).toEqual(EVERY_RECORD);
    expect(run.stdout).toContain(`  Not messages: ${MARKERS} transaction markers.`);
    // The committed records are the same records (same offsets) as read_committed delivered.
    const committed = (await ktcRun('wire', 'read_committed')).records;
    expect(sorted(records).filter((r) => defined(COMMITTED[r.partition]).includes(r.value))).toEqual(sorted(committed));
  });

  it.each(['read_committed', 'read_uncommitted'] as const)('--engine kafkajs delivers exactly what the wire engine does (%s)', async (isolation) => {
    const wire = (await ktcRun('wire', isolation)).records;
    const kafkajs = (await ktcRun('kafkajs', isolation)).records;
    expect(sorted(kafkajs)).toEqual(sorted(wire));
    expect(byPartition(kafkajs)).toEqual(isolation === 'read_committed' ? COMMITTED : EVERY_RECORD);
  });

  it("Java's console consumer (read_committed) reads the same records at the same offsets", async () => {
    const result = await javaCommitted.wait();
    expect(result.code, javaCommitted.describe()).toBe(0);
    const fromJava = javaCommitted.records().map((r): Consumed => {
      expect(r.key).toBe(r.value);
      return { partition: defined(r.partition), offset: defined(r.offset), value: present(r.value) };
    });
    expect(sorted(fromJava)).toEqual(sorted((await ktcRun('wire', 'read_committed')).records));
  });
});
