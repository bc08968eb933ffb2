import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderCredentials } from '../../src/local/credentials.js';
import { createTopic, JavaTools, waitForGroup, type ConsoleConsumer, type GroupView } from '../helpers/javaTools.js';
import { KtcProcess, loggedMessages, runKtc } from '../helpers/runKtc.js';
import { testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined, present } from '../../src/defined.js';

let cluster: TestCluster;
let java: JavaTools;
let creds: string;
const ktcs: KtcProcess[] = [];

beforeAll(async () => {
  cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
  java = await JavaTools.forCluster(cluster);
});

afterEach(async () => {
  for (const k of ktcs.splice(0)) {
    k.child.kill('SIGKILL');
    await k.done;
  }
});

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unassigned when beforeAll failed
  await java?.close();
});

const PARTITIONS = 6;
const MESSAGES = 60;

/** A topic and a group id that ktc's -c prefix reaches (group = prefix + "1"). */
async function fresh(name: string): Promise<{ topic: string; prefix: string; group: string }> {
  const topic = uniqueName(name);
  await createTopic(java.admin, topic, PARTITIONS);
  const prefix = `${uniqueName(name)}-`;
  return { topic, prefix, group: `${prefix}1` };
}

function ktcConsumer(topic: string, prefix: string, extra: string[] = []): KtcProcess {
  const k = new KtcProcess(['--credentials', '-', '-t', topic, '-c', prefix, '--consumer', ...extra], { input: creds, timeoutMs: 120_000 });
  ktcs.push(k);
  return k;
}

/** Produces MESSAGES client.py-style JSON messages with ktc; returns their _id values. */
async function produce(topic: string): Promise<string[]> {
  const run = await runKtc(['--credentials', '-', '-t', topic, '--producer', '-n', String(MESSAGES)], { input: creds });
  expect(run.code, run.stderr).toBe(0);
  const ids = loggedMessages(run.stdout, 'published').map((m) => m._id);
  expect(new Set(ids).size).toBe(MESSAGES);
  return ids;
}

interface Consumed {
  ids: string[];
  partitions: Set<number>;
}

function fromKtc(k: KtcProcess): Consumed {
  const lines = k.stdout.split('\n').filter((l) => l.includes('Message received: topic='));
  return {
    ids: loggedMessages(k.stdout, 'received').map((m) => m._id),
    partitions: new Set(lines.map((l) => Number(present(/partition=(\d+)/.exec(l))[1]))),
  };
}

function fromJava(c: ConsoleConsumer): Consumed {
  const records = c.records();
  return {
    ids: records.map((r) => (JSON.parse(present(r.value)) as { _id: string })._id),
    partitions: new Set(records.map((r) => defined(r.partition))),
  };
}

/** Waits until both consumers together printed every id, then a little longer so a duplicate would show. */
async function consumeAll(ids: string[], k: KtcProcess, c: ConsoleConsumer): Promise<{ ktc: Consumed; java: Consumed }> {
  const deadline = Date.now() + 60_000;
  while (new Set([...fromKtc(k).ids, ...fromJava(c).ids]).size < ids.length && Date.now() < deadline) await sleep(200);
  await sleep(2000);
  return { ktc: fromKtc(k), java: fromJava(c) };
}

function partitionsOf(view: GroupView, clientId: string): number[] {
  return view.members
    .filter((m) => m.clientId === clientId)
    .flatMap((m) => m.partitions.flatMap((tp) => tp.partitions))
    .sort((a, b) => a - b);
}

/** Every message consumed by exactly one of the two, each from the partitions the group assigned it. */
function expectExactlyOnce(ids: string[], got: { ktc: Consumed; java: Consumed }, view: GroupView, javaClientId: string): void {
  const ktcIds = new Set(got.ktc.ids);
  expect(got.ktc.ids.length + got.java.ids.length).toBe(ids.length);
  expect(got.java.ids.filter((id) => ktcIds.has(id))).toEqual([]);
  expect(new Set([...got.ktc.ids, ...got.java.ids])).toEqual(new Set(ids));
  expect(got.ktc.ids.length).toBeGreaterThan(0);
  expect(got.java.ids.length).toBeGreaterThan(0);
  for (const p of got.ktc.partitions) expect(partitionsOf(view, 'ktc')).toContain(p);
  for (const p of got.java.partitions) expect(partitionsOf(view, javaClientId)).toContain(p);
}

/** waitForGroup, failing at once with ktc's output if ktc exits first (e.g. refused by the group). */
async function groupWhileKtcRuns(group: string, k: KtcProcess, predicate: (g: GroupView) => boolean): Promise<GroupView> {
  const exited = k.done.then((r): never => {
    throw new Error(`ktc exited (${String(r.code)}) before the group was ready; stderr:\n${r.stderr}`);
  });
  return Promise.race([waitForGroup(java.admin, group, predicate), exited]);
}

const stableWithBoth = (javaClientId: string) => (g: GroupView) =>
  g.state === 'Stable' && g.members.length === 2 && partitionsOf(g, 'ktc').length > 0 && partitionsOf(g, javaClientId).length > 0;

describe('a ktc consumer in a group with a Java consumer', () => {
  it.each(['wire', 'kafkajs'])('joins a Java-led group (range) and the two consume every message exactly once (--engine %s)', async (engine) => {
    const { topic, prefix, group } = await fresh('shared-java-first');
    const javaConsumer = java.consoleConsumer({ topic, group, fromBeginning: true, print: { partition: true } });
    await javaConsumer.joined();
    const k = ktcConsumer(topic, prefix, ['--engine', engine]);
    const view = await groupWhileKtcRuns(group, k, stableWithBoth(javaConsumer.clientId));
    // Java's default offers range then cooperative-sticky; range is the protocol both offer.
    expect(view.protocol).toBe('range');
    // Java's RangeAssignor over member ids "java-console-consumer-…" < "ktc-…": the first three partitions to Java.
    expect(partitionsOf(view, javaConsumer.clientId)).toEqual([0, 1, 2]);
    expect(partitionsOf(view, 'ktc')).toEqual([3, 4, 5]);
    const ids = await produce(topic);
    expectExactlyOnce(ids, await consumeAll(ids, k, javaConsumer), view, javaConsumer.clientId);
  });

  it('leads a group a Java consumer then joins, assigning with Java roundrobin when both prefer it', async () => {
    const { topic, prefix, group } = await fresh('shared-ktc-first');
    const k = ktcConsumer(topic, prefix, ['--partition-assignment-strategy', 'roundrobin,range']);
    await groupWhileKtcRuns(group, k, (g) => g.state === 'Stable' && partitionsOf(g, 'ktc').length === PARTITIONS);
    const javaConsumer = java.consoleConsumer({
      topic,
      group,
      fromBeginning: true,
      print: { partition: true },
      consumerProperties: { 'partition.assignment.strategy': 'org.apache.kafka.clients.consumer.RoundRobinAssignor' },
    });
    const view = await groupWhileKtcRuns(group, k, stableWithBoth(javaConsumer.clientId));
    expect(view.protocol).toBe('roundrobin');
    // ktc, the leader, dealt the partitions in member id order: Java's member id sorts first.
    expect(partitionsOf(view, javaConsumer.clientId)).toEqual([0, 2, 4]);
    expect(partitionsOf(view, 'ktc')).toEqual([1, 3, 5]);
    const ids = await produce(topic);
    expectExactlyOnce(ids, await consumeAll(ids, k, javaConsumer), view, javaConsumer.clientId);
  });

  it('joins right after a Java member was killed (kill -9), waiting past --timeout for its session to expire', async () => {
    const { topic, prefix, group } = await fresh('shared-killed');
    const javaConsumer = java.consoleConsumer({ topic, group, fromBeginning: true, consumerProperties: { 'session.timeout.ms': '10000' } });
    await javaConsumer.joined();
    javaConsumer.kill();
    await javaConsumer.wait();
    const started = Date.now();
    // --timeout 4s: shorter than the dead member's 10 s session, which the coordinator waits out before the join.
    const k = ktcConsumer(topic, prefix, ['-n', String(MESSAGES), '--timeout', '4s']);
    await k.waitForOutput((out) => out.includes(`Consumer joined group ${group}`), 60_000);
    const joinSeconds = (Date.now() - started) / 1000;
    const ids = await produce(topic);
    const run = await k.done;
    expect(run.stderr).toContain(`waiting for consumer group "${group}" to rebalance`);
    expect(run.stderr).not.toMatch(/incompatible|INCONSISTENT_GROUP_PROTOCOL/i);
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(fromKtc(k).ids)).toEqual(new Set(ids));
    expect(joinSeconds).toBeGreaterThan(4);
  });
});

describe('Java tools helper', () => {
  it('round-trips keys, headers and null values through the console producer and consumer', async () => {
    const topic = uniqueName('java-tools');
    await createTopic(java.admin, topic, 1);
    await java.produce({
      topic,
      compression: 'gzip',
      records: [
        {
          key: 'k1',
          value: 'v1',
          headers: [
            ['h1', 'a'],
            ['h2', 'b'],
          ],
        },
        { key: null, value: 'no key', headers: [['h', 'x']] },
        { key: 'k3', value: null, headers: [['h', null]] },
      ],
    });
    await java.produce({ topic, compression: 'zstd', records: [{ key: 'k4', value: 'plain' }] });
    const consumer = java.consoleConsumer({ topic, fromBeginning: true, maxMessages: 4, print: { key: true, headers: true, partition: true, offset: true } });
    expect((await consumer.wait()).code).toBe(0);
    expect(consumer.records()).toEqual([
      {
        partition: 0,
        offset: 0,
        headers: [
          ['h1', 'a'],
          ['h2', 'b'],
        ],
        key: 'k1',
        value: 'v1',
      },
      { partition: 0, offset: 1, headers: [['h', 'x']], key: null, value: 'no key' },
      { partition: 0, offset: 2, headers: [['h', null]], key: 'k3', value: null },
      { partition: 0, offset: 3, headers: [], key: 'k4', value: 'plain' },
    ]);
  });
});
