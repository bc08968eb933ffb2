import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { nodeAddress, PORTS } from '../../src/local/layout.js';
import type { RunResult } from '../../src/run/runResult.js';
import { FaultProxy, type FlippedByte } from '../helpers/faultProxy.js';
import { KtcProcess, runKtc, type KtcRun } from '../helpers/runKtc.js';
import { TEST_CLUSTER, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined, present } from '../../src/defined.js';

/**
 * ktc against a proxy that stalls, cuts or corrupts its connections to the
 * brokers. ktc bootstraps from the proxy (<node 1>:9096); the brokers'
 * PROXIED listener advertises :9096 for every node, so each connection ktc
 * (and kafkajs inside it) opens goes through the proxy.
 *
 * Each test expects the Java client's contract: retry within the delivery
 * timeout, then fail with one line; never a hang; never a corrupt record
 * counted as consumed.
 */

const PRODUCE = 0;
const FETCH = 1;

let proxy: FaultProxy;
let cluster: TestCluster;
let creds: string;
const node1 = nodeAddress(TEST_CLUSTER.firstAddress, 1);
const proxied = `${node1}:${PORTS.proxiedAdvertised}`;
const direct = `${node1}:${PORTS.saslPlaintext}`;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** ktc as the admin user, bootstrapped from the proxy, in a consumer group of its own. */
function ktcArgs(topic: string, ...rest: string[]): string[] {
  return ['--credentials', '-', '-s', proxied, '-t', topic, '-c', `${topic}-`, ...rest];
}

async function until(what: string, condition: () => boolean, run: KtcProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (run.child.exitCode !== null)
      throw new Error(`ktc exited (${run.child.exitCode}) before ${what}; stderr:\n${run.stderr}\nstdout:\n${run.stdout.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${run.stderr}`);
    await sleep(50);
  }
}

const responses = (apiKey: number) => proxy.counters().responsesByApiKey[apiKey] ?? 0;

function parseResult(run: KtcRun): RunResult {
  try {
    return JSON.parse(run.stdout) as RunResult;
  } catch {
    throw new Error(`ktc printed no JSON result (exit ${String(run.code)}); stderr:\n${run.stderr}\nstdout:\n${run.stdout.slice(-2000)}`);
  }
}

/** One line on stderr, ktc's own, with no stack trace. */
function expectOneErrorLine(run: KtcRun): string {
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ktc: \S/);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return defined(lines[0]);
}

beforeAll(async () => {
  cluster = testCluster();
  if (!(await reachable(node1, PORTS.proxied))) {
    throw new Error(
      `the test cluster in ${TEST_CLUSTER.dir} has no PROXIED listener on ${node1}:${PORTS.proxied} (it predates it): ` +
        `stop it with \`node bin/ktc.js local down --dir ${TEST_CLUSTER.dir}\` and run the tests again`,
    );
  }
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
  proxy = await FaultProxy.forCluster(TEST_CLUSTER);
});

afterEach(() => {
  proxy.resume();
  proxy.releaseFetches();
});

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unassigned when beforeAll failed
  await proxy?.close();
});

describe('through a fault proxy on every broker connection (RF 3, acks=all)', () => {
  it('with no fault, every produce and fetch goes through the proxy and the run verifies', async () => {
    const before = proxy.counters();
    const run = await runKtc(ktcArgs(uniqueName('wf-clean'), '-r', '3', '--num-partitions', '3', '--producer', '--consumer', '-n', '300', '--json'), {
      input: creds,
      timeoutMs: 60_000,
    });
    const result = parseResult(run);
    expect(run.code, run.stderr).toBe(0);
    expect(result.verification).toMatchObject({ lost: 0, duplicates: 0 });
    const after = proxy.counters();
    // Produce and Fetch go to partition leaders, which ktc only knows from metadata: the proxy saw them.
    expect((after.responsesByApiKey[PRODUCE] ?? 0) - (before.responsesByApiKey[PRODUCE] ?? 0)).toBeGreaterThan(0);
    expect((after.responsesByApiKey[FETCH] ?? 0) - (before.responsesByApiKey[FETCH] ?? 0)).toBeGreaterThan(0);
    // ktc bootstrapped from node 1 only, yet reached every broker through the proxy: metadata named the proxied port.
    for (const listener of proxy.listening) {
      expect((after.connectionsByListener[listener] ?? 0) - (before.connectionsByListener[listener] ?? 0), listener).toBeGreaterThan(0);
    }
  }, 75_000);

  it('the PROXIED listener enforces the same SCRAM users and ACLs: the consumer-role user may not write through it', async () => {
    const topic = uniqueName('wf-acl');
    const accepted = proxy.counters().connectionsAccepted;
    const denied = await runKtc(['-u', 'relation-2', '-p', cluster.passwords.consumer, '-s', proxied, '-t', topic, '-n', '1', '--producer'], {
      timeoutMs: 60_000,
    });
    expect(denied.code, denied.stderr).toBe(1);
    expect(expectOneErrorLine(denied)).toMatch(new RegExp(`^ktc: not authorized to .*topic "${topic}" as user "relation-2"`));
    expect(proxy.counters().connectionsAccepted).toBeGreaterThan(accepted);
  }, 75_000);

  it('a stall longer than --timeout but shorter than --delivery-timeout: ktc retries and completes, 0 lost', async () => {
    const topic = uniqueName('wf-stall');
    const run = new KtcProcess(
      ktcArgs(
        topic,
        '-r',
        '3',
        '--num-partitions',
        '3',
        '--producer',
        '--consumer',
        '-n',
        '6000',
        '--throughput',
        '1000',
        '--timeout',
        '5s',
        '--delivery-timeout',
        '30s',
        '--json',
      ),
      { input: creds, timeoutMs: 60_000 },
    );
    const producedBefore = responses(PRODUCE);
    await until('a few produce requests are acknowledged', () => responses(PRODUCE) >= producedBefore + 3, run);
    proxy.stall();
    const stalledAt = proxy.counters();
    await sleep(8000);
    // Nothing crossed the proxy while stalled: the stall is real.
    expect(proxy.counters().bytesToClient).toBe(stalledAt.bytesToClient);
    proxy.resume();
    const done = await run.done;
    const result = parseResult(done);
    expect(done.code, done.stderr).toBe(0);
    expect(result.producer).toMatchObject({ sent: 6000, acked: 6000, failed: 0 });
    expect(defined(result.verification).lost).toBe(0);
  }, 75_000);

  // Once a batch has gone unacknowledged for the whole delivery timeout, the run fails: ktc is a test client, and
  // waiting another delivery timeout for each batch still queued behind it would only delay the same answer.
  it('a stall that never ends, with --timeout 5s --delivery-timeout 15s: exit 1 with one line after the delivery timeout, never a hang', async () => {
    const topic = uniqueName('wf-stall-forever');
    const run = new KtcProcess(
      ktcArgs(topic, '-r', '3', '--num-partitions', '3', '--producer', '-n', '3000', '--throughput', '500', '--timeout', '5s', '--delivery-timeout', '15s'),
      { input: creds, timeoutMs: 60_000 },
    );
    const producedBefore = responses(PRODUCE);
    await until('a few produce requests are acknowledged', () => responses(PRODUCE) >= producedBefore + 3, run);
    proxy.stall();
    const stalledAt = Date.now();
    const done = await run.done;
    const seconds = (Date.now() - stalledAt) / 1000;
    expect(done.signal, `ktc hung and was killed; stderr:\n${done.stderr}`).toBeNull();
    expect(done.code, done.stderr).toBe(1);
    const line = expectOneErrorLine(done);
    expect(line).toMatch(/acknowledg|timed? ?out|timeout/i);
    // Gave up on the delivery timeout (15 s of retrying), not on the first request timeout (5 s), and not much later.
    expect(seconds, line).toBeGreaterThanOrEqual(12);
    expect(seconds, line).toBeLessThanOrEqual(15 + 5 + 5);
  }, 75_000);

  it('every connection cut mid-run (twice): retried, exit 0, 0 lost and 0 duplicates with --idempotent', async () => {
    const topic = uniqueName('wf-cut');
    const run = new KtcProcess(
      ktcArgs(
        topic,
        '-r',
        '3',
        '--num-partitions',
        '3',
        '--producer',
        '--consumer',
        '-n',
        '8000',
        '--throughput',
        '2000',
        '--idempotent',
        '--timeout',
        '10s',
        '--json',
      ),
      { input: creds, timeoutMs: 60_000 },
    );
    const [produced, fetched] = [responses(PRODUCE), responses(FETCH)];
    await until('messages are produced and fetched', () => responses(PRODUCE) >= produced + 3 && responses(FETCH) > fetched + 3, run);
    const cutBefore = proxy.counters().connectionsCut;
    const firstCut = proxy.cut();
    await sleep(1500);
    const secondCut = proxy.cut();
    const done = await run.done;
    const result = parseResult(done);
    expect(firstCut).toBeGreaterThanOrEqual(3); // ktc's connections to all three brokers, at least
    expect(secondCut, 'ktc reconnected after the first cut').toBeGreaterThan(0);
    expect(proxy.counters().connectionsCut - cutBefore).toBe(firstCut + secondCut);
    expect(done.code, done.stderr).toBe(0);
    expect(result.producer).toMatchObject({ sent: 8000, acked: 8000, failed: 0 });
    expect(result.verification).toMatchObject({ lost: 0, duplicates: 0 });
  }, 75_000);

  it('a leader that never answers a fetch holds back only its own partitions: the others are read meanwhile', async () => {
    const topic = uniqueName('wf-slow-leader');
    // 3 MiB per partition: more than one fetch of 2 MiB per partition brings back.
    const produced = await runKtc(ktcArgs(topic, '-r', '3', '--num-partitions', '3', '--producer', '-n', '9000', '--record-size', '1024'), {
      input: creds,
      timeoutMs: 60_000,
    });
    expect(produced.code, produced.stderr).toBe(0);
    const admin = createKafka(cluster.admin).admin();
    await admin.connect();
    const [metadata, ends] = await Promise.all([admin.fetchTopicMetadata({ topics: [topic] }), admin.fetchTopicOffsets(topic)]).finally(() =>
      admin.disconnect(),
    );
    const leaders = new Map(defined(metadata.topics[0]).partitions.map((p) => [p.partitionId, p.leader]));
    // Not node 1: ktc bootstraps there, and its metadata must keep flowing.
    const slow = defined([...leaders.values()].find((leader) => leader !== 1));
    const others = ends.filter((e) => leaders.get(e.partition) !== slow).reduce((sum, e) => sum + Number(e.high), 0);
    expect(others).toBeGreaterThan(2000);
    proxy.holdFetches(`${nodeAddress(TEST_CLUSTER.firstAddress, slow)}:${PORTS.proxiedAdvertised}`);
    const run = new KtcProcess(ktcArgs(topic, '--consumer', '-n', '9000', '--timeout', '60s', '--format', 'kafka', '--progress-interval', '1s'), {
      input: creds,
      timeoutMs: 90_000,
    });
    const consumed = (stdout: string) => Number([...stdout.matchAll(/consumed ([\d,]+) \(/g)].at(-1)?.[1]?.replace(/,/g, '') ?? 0);
    // Well inside --timeout: a consumer that waited for the slow leader's answer before fetching again would sit here.
    await run.waitForOutput((stdout) => consumed(stdout) >= others, 20_000);
    expect(consumed(run.stdout)).toBe(others);
    proxy.releaseFetches();
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    // ConsumerPerformance's CSV line closes the output: data.consumed.in.nMsg is its fifth field.
    const lines = done.stdout.trim().split('\n');
    const header = lines.findIndex((l) => l.startsWith('start.time, end.time'));
    expect(lines[header + 1]?.split(', ')[4]).toBe('9000');
  }, 90_000);

  it('a byte flipped inside a fetched record batch: exit 1 naming topic, partition and offset; no record of that batch consumed', async () => {
    const topic = uniqueName('wf-flip');
    // Produced directly (port 9092): only the consumer's fetches go through the proxy.
    const produced = await runKtc(['--credentials', '-', '-s', direct, '-t', topic, '-r', '3', '--num-partitions', '3', '--producer', '-n', '300'], {
      input: creds,
      timeoutMs: 30_000,
    });
    expect(produced.code, produced.stderr).toBe(0);

    const flipped = proxy.flipNextFetchByte();
    const run = new KtcProcess(ktcArgs(topic, '--consumer', '-n', '300', '--idle-timeout', '10s', '--timeout', '10s', '--log-messages'), {
      input: creds,
      timeoutMs: 60_000,
    });
    const flipOrExit = await Promise.race([flipped, run.done.then(() => undefined)]);
    expect(
      flipOrExit,
      `no Fetch response with records was flipped (unparsed Fetch versions: ${proxy.unparsedFetchVersions.join(',') || 'none'})`,
    ).toBeDefined();
    const flip = flipOrExit as FlippedByte;
    const { partition, batchBaseOffset, batchLastOffset } = flip;
    const done = await run.done;

    const corrupt: string[] = [];
    for (const m of done.stdout.matchAll(/Message received: topic=(\S+), partition=(\d+), offset=(\d+)/g)) {
      const offset = Number(m[3]);
      if (m[1] === topic && Number(m[2]) === partition && offset >= batchBaseOffset && offset <= batchLastOffset) corrupt.push(m[0]);
    }
    const flippedLogged = done.stdout.split('\n').find((l) => l.includes(`partition=${partition}, offset=${flip.recordOffset ?? batchBaseOffset},`)) ?? '';
    expect(
      corrupt.length,
      `${corrupt.length} records of the corrupted batch [${batchBaseOffset}..${batchLastOffset}] were counted as consumed ` +
        `(exit ${String(done.code)}); the one with the flipped byte: ${flippedLogged}`,
    ).toBe(0);
    expect(done.code, `stderr:\n${done.stderr}\nstdout tail:\n${done.stdout.slice(-1500)}`).toBe(1);
    const line = expectOneErrorLine(done);
    expect(line).toMatch(/corrupt|crc|checksum/i);
    expect(line).toContain(topic);
    expect(line).toMatch(new RegExp(`(partition[ =]*${partition}\\b|${topic}\\[${partition}\\]|${topic}-${partition}\\b)`));
    const offset = /offset[ =]*(\d+)/.exec(line);
    expect(offset, line).not.toBeNull();
    expect(Number(present(offset)[1])).toBeGreaterThanOrEqual(batchBaseOffset);
    expect(Number(present(offset)[1])).toBeLessThanOrEqual(batchLastOffset);
  }, 75_000);
});
