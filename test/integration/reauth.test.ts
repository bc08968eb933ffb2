import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, BrokerConnection } from '../../src/engine/wire/brokerConnection.js';
import { Writer } from '../../src/engine/wire/codec.js';
import { adminConnection, down, up } from '../../src/local/cluster.js';
import { readPasswords, readState, type ClusterState } from '../../src/local/clusterState.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_TOPIC, defaultCacheDir, nodeAddress, PORTS } from '../../src/local/layout.js';
import type { RunResult } from '../../src/run/runResult.js';
import { runKtc } from '../helpers/runKtc.js';
import { repoRoot, TEST_CLUSTER, uniqueName } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

/**
 * A broker with connections.max.reauth.ms=10000 closes any connection whose
 * SASL session is older than 10 s unless the client re-authenticates on it
 * (KIP-368). Its own 1-node cluster, on the address after the shared test
 * cluster's nodes, so the setting touches no other test.
 */
const REAUTH_MS = 10_000;
const CLUSTER = {
  dir: join(repoRoot, '.ktc', 'reauth-cluster'),
  nodes: 1,
  firstAddress: process.env.KTC_REAUTH_CLUSTER_ADDRESS ?? nodeAddress(TEST_CLUSTER.firstAddress, TEST_CLUSTER.nodes + 1),
};

let state: ClusterState;

beforeAll(async () => {
  if (readState(CLUSTER.dir)) await down(CLUSTER.dir, false); // left over from an interrupted run
  const result = await up({
    ...CLUSTER,
    kafkaVersion: process.env.KTC_TEST_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
    topic: DEFAULT_TOPIC,
    cacheDir: defaultCacheDir(),
    progress: (line) => process.stderr.write(`[ktc reauth tests] ${line}\n`),
    brokerProperties: { 'connections.max.reauth.ms': String(REAUTH_MS) },
  });
  state = result.state;
});

afterAll(async () => {
  await down(CLUSTER.dir, false);
});

/** Local ports of the established TCP connections to the broker's SASL_PLAINTEXT listener (Linux /proc). */
function clientPorts(): Set<number> {
  const [a, b, c, d] = CLUSTER.firstAddress.split('.').map(Number);
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
  const remote = `${hex(defined(d), 2)}${hex(defined(c), 2)}${hex(defined(b), 2)}${hex(defined(a), 2)}:${hex(PORTS.saslPlaintext, 4)}`;
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[2] === remote && f[3] === '01') ports.add(parseInt(defined(defined(f[1]).split(':')[1]), 16));
  }
  return ports;
}

const metadataRequest = () => new Writer(8).int32(0).int8(0).result(); // no topics, no auto-creation (v4+)

describe('SASL re-authentication against a broker with connections.max.reauth.ms=10000', () => {
  it("the broker closes a connection that does not re-authenticate; ktc's wire connection re-authenticates and stays open", async () => {
    const config = adminConnection(state, readPasswords(CLUSTER.dir));
    // random 10 puts the re-authentication at 185 % of the session: too late, as if the client never did it.
    const late = await BrokerConnection.open(CLUSTER.firstAddress, PORTS.saslPlaintext, config, { random: () => 10 });
    const timely = await BrokerConnection.open(CLUSTER.firstAddress, PORTS.saslPlaintext, config);
    const version = timely.version(API.metadata, 4, 5);
    const started = Date.now();
    let lateClosedAfterMs: number | undefined;
    let timelyRequests = 0;
    while (Date.now() - started < 2.5 * REAUTH_MS) {
      if (lateClosedAfterMs === undefined) {
        await late.request(API.metadata, version, metadataRequest()).catch(() => {
          lateClosedAfterMs = Date.now() - started;
        });
      }
      await timely.request(API.metadata, version, metadataRequest());
      timelyRequests++;
      await sleep(200);
    }
    timely.close();
    late.close();
    expect(lateClosedAfterMs).toBeGreaterThanOrEqual(REAUTH_MS - 500);
    expect(lateClosedAfterMs).toBeLessThan(REAUTH_MS + 2000);
    expect(timelyRequests).toBeGreaterThan(80);
    expect(timely.reauthentications).toBeGreaterThanOrEqual(2);
  });

  it('a 40 s produce+consume run loses nothing and keeps its connections (wire producer, wire fetcher, kafkajs group member)', async () => {
    const creds = renderCredentials(state, readPasswords(CLUSTER.dir), 'admin');
    const args = [
      '-t',
      uniqueName('reauth'),
      '-r',
      '1',
      '--num-partitions',
      '3',
      '--producer',
      '--consumer',
      '--throughput',
      '2000',
      '--duration',
      '40s',
      '--json',
    ];
    const running = runKtc(['--credentials', '-', ...args], { input: creds, timeoutMs: 150_000 });
    // Without re-authentication the broker closes every connection 10 s into its session and ktc opens new ones.
    // Compare the connections 13 s in (each opened in the first seconds has outlived one session) with those 33 s in.
    const started = Date.now();
    await sleep(13_000);
    const established = clientPorts();
    await sleep(Math.max(0, started + 33_000 - Date.now()));
    const later = clientPorts();
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as RunResult;
    expect(defined(r.producer).failed).toBe(0);
    expect(defined(r.producer).errors).toEqual([]);
    expect(defined(r.producer).acked).toBeGreaterThan(70_000);
    expect(defined(r.verification).lost).toBe(0);
    expect(defined(r.consumer).ktcMessages).toBeGreaterThanOrEqual(defined(r.producer).acked);
    expect(established.size).toBeGreaterThan(0);
    expect([...later].filter((p) => !established.has(p))).toEqual([]);
    expect(later.size).toBe(established.size);
  });
});
