import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { applyAcls } from '../../src/local/clusterAdmin.js';
import { renderCredentials } from '../../src/local/credentials.js';
import { clusterAcls } from '../../src/local/users.js';
import { endpoints } from '../../src/local/layout.js';
import { KtcProcess, runKtc } from '../helpers/runKtc.js';
import { testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

let cluster: TestCluster;
let plain: string;
let ssl: string;
let dir: string;
let relationTopic: string;

beforeAll(async () => {
  cluster = testCluster();
  plain = endpoints(cluster.state, 'SASL_PLAINTEXT');
  ssl = endpoints(cluster.state, 'SASL_SSL');
  dir = mkdtempSync(join(tmpdir(), 'ktc-bad-input-'));
  writeFileSync(join(dir, 'admin.yaml'), renderCredentials(cluster.state, cluster.passwords, 'admin'));
  writeFileSync(join(dir, 'malformed.yaml'), 'kafka:\n  endpoints: [unclosed\n  password: x\n');
  writeFileSync(join(dir, 'no-endpoints.yaml'), renderCredentials(cluster.state, cluster.passwords, 'admin').replace(/ {2}endpoints:.*\n/, ''));
  // A topic that exists and that relation-3 may read: only its group can be what is refused.
  relationTopic = uniqueName('group-denied');
  const admin = createKafka(cluster.admin).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: relationTopic, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
  await admin.disconnect();
  await applyAcls(cluster.admin, clusterAcls(relationTopic));
});

const admin = () => ['-u', 'admin', '-p', cluster.passwords.admin, '-s', plain];

interface Case {
  name: string;
  args: () => string[];
  exit: number;
  message: RegExp;
}

/** Every row of the README's bad-input table: one line on stderr, the documented status, no stack trace, no secret. */
const cases: Case[] = [
  { name: 'unknown flag', args: () => [...admin(), '--producer', '--bogus'], exit: 2, message: /Unknown argument: bogus/ },
  {
    name: '-n not a positive integer',
    args: () => [...admin(), '--producer', '-n', '-5'],
    exit: 2,
    message: /-n\/--num-messages -5 is not a positive integer/,
  },
  { name: 'no servers', args: () => ['-u', 'admin', '-p', 'x', '--producer'], exit: 2, message: /no bootstrap servers/ },
  {
    name: 'malformed server string',
    args: () => ['-u', 'a', '-p', 'x', '-s', '127.0.2.1', '--producer'],
    exit: 2,
    message: /-s\/--servers 127\.0\.2\.1 is not host:port/,
  },
  {
    name: 'unreachable servers',
    // Port 1 refuses connections: "cannot reach", not the "no answer" of a cluster that accepts them and stays silent.
    args: () => ['-u', 'a', '-p', 'x', '-s', `${cluster.state.firstAddress}:1`, '--producer', '--timeout', '10s'],
    exit: 1,
    message: /^ktc: cannot reach Kafka at [\d.]+:1: check -s\/--servers and the port for -x\/--security-protocol, and that the cluster is up$/,
  },
  {
    name: 'wrong password',
    args: () => ['-u', 'admin', '-p', 'wrong-password', '-s', plain, '--producer'],
    exit: 1,
    message: /authentication failed as user "admin"/,
  },
  {
    name: 'unknown SASL mechanism',
    args: () => [...admin(), '--producer', '--sasl-mechanism', 'GSSAPI'],
    exit: 2,
    message: /--sasl-mechanism GSSAPI is not one of/,
  },
  {
    name: 'missing CA file',
    args: () => [...admin(), '--producer', '-x', 'SASL_SSL', '--cafile-path', '/nonexistent/ca.pem'],
    exit: 2,
    message: /--cafile-path \/nonexistent\/ca.pem does not exist/,
  },
  {
    name: 'unreadable CA file (a directory)',
    args: () => [...admin(), '--producer', '-x', 'SASL_SSL', '--cafile-path', dir],
    exit: 2,
    message: /is a directory/,
  },
  {
    name: 'a CA that did not sign the broker',
    args: () => ['-u', 'admin', '-p', cluster.passwords.admin, '-s', ssl, '-x', 'SASL_SSL', '--cafile-path', cluster.files.clientCert, '--producer', '-n', '1'],
    exit: 1,
    message: /not signed by a trusted CA: pass the cluster's CA with --cafile-path/,
  },
  {
    name: 'a key that does not match its certificate',
    args: () => [
      ...admin(),
      '--producer',
      '-x',
      'SSL',
      '--cafile-path',
      cluster.files.caFile,
      '--certfile-path',
      cluster.files.serverCert,
      '--keyfile-path',
      cluster.files.clientKey,
    ],
    exit: 2,
    message: /does not belong to the certificate/,
  },
  {
    name: 'hostname mismatch',
    // inet_aton's spelling of the first node's address (127.0.2.1 is 127.0.513): same broker, a name its certificate does not list.
    args: () => [
      '-u',
      'admin',
      '-p',
      cluster.passwords.admin,
      '-s',
      `${inetAtonSpelling(cluster.state.firstAddress)}:9093`,
      '-x',
      'SASL_SSL',
      '--cafile-path',
      cluster.files.caFile,
      '--producer',
      '-n',
      '1',
    ],
    exit: 1,
    message: /does not name that host.*--no-verify-hostname/,
  },
  {
    name: 'invalid topic name',
    args: () => [...admin(), '--producer', '-n', '1', '-t', 'no spaces allowed'],
    exit: 2,
    message: /-t\/--topic "no spaces allowed" is not a valid topic name/,
  },
  {
    name: 'replication factor above the broker count',
    args: () => [...admin(), '--producer', '-n', '1', '-t', uniqueName('rf5'), '-r', '5'],
    exit: 1,
    message: /replication factor is larger than the number of brokers/,
  },
  {
    name: 'zero partitions',
    args: () => [...admin(), '--producer', '--num-partitions', '0'],
    exit: 2,
    message: /--num-partitions 0 is not a positive integer/,
  },
  {
    name: 'authorization denied (group)',
    args: () => ['-u', 'relation-3', '-p', cluster.passwords.client, '-s', plain, '-t', relationTopic, '--consumer', '-n', '1', '-c', 'not-my-prefix-'],
    exit: 1,
    message: /not authorized to use consumer group "not-my-prefix-1" as user "relation-3"/,
  },
  {
    name: 'a record larger than the broker accepts',
    args: () => [...admin(), '--producer', '-n', '1', '-t', uniqueName('big'), '-r', '3', '--record-size', '2000000'],
    exit: 1,
    message: /refused a record of 2000000 bytes as too large/,
  },
  { name: 'malformed --credentials YAML', args: () => ['--credentials', join(dir, 'malformed.yaml'), '--producer'], exit: 2, message: /is not valid YAML/ },
  {
    name: '--credentials YAML missing fields',
    args: () => ['--credentials', join(dir, 'no-endpoints.yaml'), '--producer'],
    exit: 2,
    message: /has no "endpoints"/,
  },
  {
    name: 'malformed --mongo-uri',
    args: () => [...admin(), '--producer', '--mongo-uri', 'http://x'],
    exit: 2,
    message: /--mongo-uri http:\/\/x is not a MongoDB connection string: Invalid scheme/,
  },
  {
    name: 'unreachable MongoDB',
    // The URI carries a cluster password: the check below proves it is never printed.
    args: () => [...admin(), '--producer', '--timeout', '5s', '--mongo-uri', `mongodb://ktc:${cluster.passwords.admin}@127.0.0.1:1/`],
    exit: 1,
    message: /cannot reach MongoDB at mongodb:\/\/ktc:\*\*\*@127\.0\.0\.1:1\/: connect ECONNREFUSED/,
  },
  // A wrong MongoDB password needs a MongoDB server: test/integration/mongo.test.ts checks it against FerretDB.
  {
    name: 'TLS against the plain-text port',
    args: () => [...admin(), '--producer', '-n', '1', '-x', 'SASL_SSL', '--cafile-path', cluster.files.caFile],
    exit: 1,
    message: /the broker at [\d.:,]+ does not speak TLS on this port: use -x SASL_PLAINTEXT or the TLS port \(9093 on Charmed Kafka\)$/,
  },
];

/** 127.0.2.1 as 127.0.513: the two last octets as one number, which inet_aton reads as the same address. */
function inetAtonSpelling(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number);
  return `${defined(a)}.${defined(b)}.${defined(c) * 256 + defined(d)}`;
}

describe('bad input: one clear line, a documented exit status, no stack trace, no secret', () => {
  it.each(cases)('$name', async ({ args, exit, message }) => {
    const started = Date.now();
    const run = await runKtc(args(), { timeoutMs: 60_000 });
    const lines = run.stderr.trim().split('\n');
    expect(run.code, run.stderr).toBe(exit);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ktc: /);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    for (const secret of Object.values(cluster.passwords)) {
      expect(run.stderr).not.toContain(secret);
      expect(run.stdout).not.toContain(secret);
    }
    // Within --timeout (30 s by default) plus process start-up: never a hang.
    expect(Date.now() - started).toBeLessThan(35_000);
  });

  it('a silent cluster (accepts connections, never answers) fails within --timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const run = await runKtc(['-u', 'a', '-p', 'x', '-s', `127.0.0.1:${port}`, '-t', 'silence', '--producer', '--timeout', '4s']);
    const elapsed = Date.now() - started;
    silent.close();
    expect(run.code).toBe(1);
    // The README's row, with --timeout 4s instead of the default 30 s.
    expect(run.stderr).toBe(
      `ktc: no answer from Kafka at 127.0.0.1:${port} within 4 s while creating topic "silence": check -s/--servers and -x/--security-protocol, and that the cluster is up (--timeout sets the limit)\n`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(4000);
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe('refused before anything is sent (a listener at -s fails the test if anything connects)', () => {
  const early: Array<{ name: string; args: string[]; line: string }> = [
    {
      name: 'a --hdr-out directory that does not exist',
      args: ['--hdr-out', '/nonexistent/dir/x.json'],
      line: 'ktc: --hdr-out /nonexistent/dir/x.json cannot be written: directory /nonexistent/dir does not exist',
    },
    {
      name: 'a --log-file ktc cannot create',
      args: ['--log-file', '/proc/nope/x'],
      line: 'ktc: --log-file /proc/nope/x cannot be written: directory /proc/nope does not exist',
    },
    { name: 'a count above 2^53', args: ['-n', '1e20'], line: 'ktc: -n/--num-messages 1e20 is not a positive integer (at most 9007199254740991)' },
    {
      name: 'a negative duration (a value, not flags)',
      args: ['--idle-timeout', '-5s'],
      line: 'ktc: --idle-timeout -5s is negative: durations are positive, e.g. 30s, 2m, 500ms or a number of seconds',
    },
  ];

  it.each(early)('$name', async ({ args, line }) => {
    let connections = 0;
    const trap = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const port = (trap.address() as AddressInfo).port;
    try {
      const run = await runKtc(['-u', 'admin', '-p', 'x', '-s', `127.0.0.1:${port}`, '--producer', '--consumer', ...args]);
      expect(run.stderr).toBe(`${line}\n`);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });
});

describe('a finished run never ends with nothing', () => {
  it('when --log-file and --hdr-out fail during the run, the report and histograms go to stdout and stderr says so', async () => {
    const out = join(dir, 'results');
    mkdirSync(out);
    const topic = uniqueName('lost-dir');
    // 3 s of producing at 10 messages/s: time to take the directory away after the topic is created.
    const ktc = new KtcProcess([
      ...admin(),
      '--producer',
      '-n',
      '30',
      '--throughput',
      '10',
      '-t',
      topic,
      '-r',
      '3',
      '--log-file',
      join(out, 'run.log'),
      '--hdr-out',
      join(out, 'h.json'),
    ]);
    const deadline = Date.now() + 30_000;
    const logged = () => (existsSync(join(out, 'run.log')) ? readFileSync(join(out, 'run.log'), 'utf8') : '');
    while (!logged().includes(`Topic ${topic} created`)) {
      if (Date.now() > deadline || ktc.child.exitCode !== null) throw new Error(`the run never logged its topic; stderr:\n${ktc.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(out, { recursive: true });
    const run = await ktc.done;
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `ktc: --log-file ${join(out, 'run.log')} cannot be written: directory ${out} does not exist: writing the log and the report to stdout instead`,
      `ktc: --hdr-out ${join(out, 'h.json')} cannot be written: directory ${out} does not exist: printed them to stdout instead`,
    ]);
    expect(run.code).toBe(1);
    // The report, then the histograms as --hdr-out would have held them.
    expect(run.stdout).toContain(`Produced 30 of 30 messages to ${topic} (`);
    const histograms = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('\n{') + 1)) as Record<string, string>;
    expect(Object.keys(histograms).length).toBeGreaterThan(0);
  });
});
