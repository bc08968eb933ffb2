import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { up } from '../../src/local/cluster.js';
import { applyAcls } from '../../src/local/clusterAdmin.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_TOPIC, defaultCacheDir, endpoints } from '../../src/local/layout.js';
import { DEFAULT_MONGO_PORT, mongoRunning, mongoUri } from '../../src/local/mongoServer.js';
import { clusterAcls } from '../../src/local/users.js';
import { KtcProcess, loggedMessages, runKtc } from '../helpers/runKtc.js';
import { TEST_CLUSTER, testCluster, uniqueName, type TestCluster } from '../helpers/testCluster.js';
import { defined } from '../../src/defined.js';

let cluster: TestCluster;
let plain: string;
let uri: string;
let mongo: MongoClient;

/** A fresh topic the relation users have their data-integrator ACLs on (its name is also the database's). */
async function relationTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await applyAcls(cluster.admin, clusterAcls(topic));
  return topic;
}

const client = () => ['-u', 'relation-3', '-p', cluster.passwords.client, '-s', plain];
const docs = (topic: string, collection: 'producer' | 'consumer'): Promise<Array<Record<string, unknown>>> =>
  mongo.db(topic).collection(collection).find({}).toArray();
const ids = (list: ReadonlyArray<{ _id?: unknown }>): unknown[] => list.map((d) => d._id).sort();

beforeAll(async () => {
  // `ktc local up --mongo` on the running test cluster adds FerretDB; the first run on a machine builds it with
  // Go (module download once, then compiling: minutes on a busy 2-core machine).
  await up({
    ...TEST_CLUSTER,
    kafkaVersion: DEFAULT_KAFKA_VERSION,
    topic: DEFAULT_TOPIC,
    cacheDir: defaultCacheDir(),
    mongoPort: DEFAULT_MONGO_PORT,
    progress: (line) => process.stderr.write(`[ktc tests] ${line}\n`),
  });
  cluster = testCluster();
  expect(mongoRunning(cluster.state)).toBe(true);
  plain = endpoints(cluster.state, 'SASL_PLAINTEXT');
  uri = defined(mongoUri(cluster.state));
  mongo = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await mongo.connect();
}, 30 * 60_000);

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unassigned when beforeAll failed
  await mongo?.close();
});

describe('--mongo-uri on a real MongoDB-wire server (FerretDB, started by ktc local up --mongo)', () => {
  it("the tutorial's producer and consumer fill producer and consumer with the same _ids and client.py's fields; ktc verify exits 0", async () => {
    const topic = await relationTopic('mongo-tutorial');
    const produced = await runKtc([
      ...client(),
      '-t',
      topic,
      '-n',
      '10',
      '-r',
      '3',
      '--num-partitions',
      '1',
      '--producer',
      '--mongo-uri',
      uri,
      '--origin',
      'unit-a (10.0.0.1)',
    ]);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    expect(produced.stdout).toContain(`MongoDB ${uri} database ${topic}: producer 10 written.`);
    const sent = loggedMessages(produced.stdout, 'published');

    const consumer = new KtcProcess([...client(), '-t', topic, '--consumer', '--mongo-uri', uri, '--origin', 'unit-b (10.0.0.2)']);
    await consumer.waitForOutput((out) => loggedMessages(out, 'received').length >= 10);
    consumer.child.kill('SIGINT');
    const consumed = await consumer.done;
    expect(consumed.code).toBe(130);
    expect(consumed.stdout).toContain(`MongoDB ${uri} database ${topic}: consumer 10 written.`);

    // producer: exactly the objects that went to Kafka.
    const producerDocs = await docs(topic, 'producer');
    const byId = new Map(producerDocs.map((d) => [d._id, d]));
    expect(producerDocs).toHaveLength(10);
    for (const m of sent) expect(byId.get(m._id)).toEqual(m);
    // consumer: the same _ids, timestamp = consumption time, plus destination and the group prefix.
    const consumerDocs = await docs(topic, 'consumer');
    expect(ids(consumerDocs)).toEqual(ids(sent));
    for (const d of consumerDocs) {
      const original = defined(byId.get(d._id));
      expect(Object.keys(d).sort()).toEqual(['_id', 'consumer_group', 'content', 'destination', 'origin', 'timestamp']);
      expect(d).toMatchObject({ origin: 'unit-a (10.0.0.1)', content: original.content, destination: 'unit-b (10.0.0.2)', consumer_group: 'relation-3-' });
      expect(d.timestamp as number).toBeGreaterThan(original.timestamp as number);
    }

    const verified = await runKtc(['verify', '--mongo-uri', uri, '-t', topic]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout.trim()).toBe(`MongoDB ${uri} database ${topic}: 10 produced, 10 consumed: 0 missing, 0 unexpected, 0 duplicates.`);
  });

  it('a consumer restarted in the same group re-reads messages: duplicates are counted and logged, the run goes on, ktc verify counts them', async () => {
    const topic = await relationTopic('mongo-restart');
    const group = uniqueName('relation-3-restart');
    expect((await runKtc([...client(), '-t', topic, '-n', '10', '-r', '3', '--num-partitions', '2', '--producer', '--mongo-uri', uri])).code).toBe(0);
    const first = await runKtc([...client(), '-t', topic, '--consumer', '-n', '10', '-c', `${group}-`, '--mongo-uri', uri]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('consumer 10 written.');

    // What a restart after kill -9 before a commit does, made exact: the group's committed position goes back.
    const admin = createKafka(cluster.admin).admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: `${group}-1`, topic, earliest: true });
    await admin.disconnect();
    expect((await runKtc([...client(), '-t', topic, '-n', '5', '--producer', '--mongo-uri', uri])).code).toBe(0);

    const restarted = await runKtc([...client(), '-t', topic, '--consumer', '-n', '15', '-c', `${group}-`, '--mongo-uri', uri]);
    expect(restarted.stderr).toBe('');
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toContain(`MongoDB ${uri} database ${topic}: consumer 5 written, 10 duplicates (already there: read again).`);
    const duplicateLines = restarted.stdout.split('\n').filter((l) => / INFO \[ktc\.consumer\] Duplicated key with id: [0-9a-f]{32}$/.test(l));
    expect(duplicateLines).toHaveLength(10);
    expect(await mongo.db(topic).collection('consumer').countDocuments()).toBe(15);

    const verified = await runKtc(['verify', '--mongo-uri', uri, '-t', topic]);
    expect(verified.code).toBe(0);
    expect(verified.stdout.trim()).toBe(`MongoDB ${uri} database ${topic}: 15 produced, 15 consumed: 0 missing, 0 unexpected, 10 duplicates.`);
  });

  it('documents deleted from consumer make ktc verify exit 3 and name the count', async () => {
    const topic = await relationTopic('mongo-deleted');
    // Producer and consumer in one process write both collections.
    const run = await runKtc([...client(), '-t', topic, '-n', '20', '-r', '3', '--producer', '--consumer', '--mongo-uri', uri]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`MongoDB ${uri} database ${topic}: producer 20 written; consumer 20 written.`);
    const consumer = mongo.db(topic).collection('consumer');
    const victims = (await consumer.find({}).limit(3).toArray()).map((d) => d._id);
    expect((await consumer.deleteMany({ _id: { $in: victims } })).deletedCount).toBe(3);

    const verified = await runKtc(['verify', '--mongo-uri', uri, '-t', topic]);
    expect(verified.code).toBe(3);
    const lines = verified.stdout.trim().split('\n');
    expect(lines[0]).toBe(`MongoDB ${uri} database ${topic}: 20 produced, 17 consumed: 3 missing, 0 unexpected, 0 duplicates.`);
    expect(lines[1]).toMatch(/^Missing \(produced, never consumed\): 3, e\.g\. _id [0-9a-f]{32}, [0-9a-f]{32}, [0-9a-f]{32}$/);
    for (const id of victims) expect(lines[1]).toContain(String(id));

    const json = await runKtc(['verify', '--mongo-uri', uri, '-t', topic, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ database: topic, produced: 20, consumed: 17, missing: 3, unexpected: 0, exitCode: 3 });
  });
});

describe('--mongo-uri bad input: one line before anything is produced', () => {
  async function topicExists(topic: string): Promise<boolean> {
    const admin = createKafka(cluster.admin).admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(topic);
    } finally {
      await admin.disconnect();
    }
  }

  it.each([
    {
      name: 'unreachable MongoDB (password hidden)',
      mongoUri: () => `mongodb://ktc:${cluster.passwords.admin}@${cluster.state.firstAddress}:1/`,
      exit: 1,
      line: () =>
        `ktc: cannot reach MongoDB at mongodb://ktc:***@${cluster.state.firstAddress}:1/: connect ECONNREFUSED ${cluster.state.firstAddress}:1; check --mongo-uri and that the server is up`,
    },
    {
      name: 'malformed URI',
      mongoUri: () => `mongodb//${cluster.state.firstAddress}:27017`,
      exit: 2,
      line: () =>
        `ktc: --mongo-uri mongodb//${cluster.state.firstAddress}:27017 is not a MongoDB connection string: Invalid scheme, expected connection string to start with "mongodb://" or "mongodb+srv://" (e.g. mongodb://127.0.0.1:27017/)`,
    },
    {
      name: 'authentication failure',
      mongoUri: () => uri.replace('mongodb://', `mongodb://relation-3:${cluster.passwords.client}@`),
      exit: 1,
      line: () =>
        `ktc: authentication failed as user "relation-3" at MongoDB ${uri.replace('mongodb://', 'mongodb://relation-3:***@')}: check the user and password in --mongo-uri (and authSource)`,
    },
  ])('$name', async ({ mongoUri: badUri, exit, line }) => {
    const topic = await relationTopic('mongo-bad');
    const started = Date.now();
    const run = await runKtc([...client(), '-t', topic, '-n', '3', '--producer', '--timeout', '5s', '--mongo-uri', badUri()]);
    expect(run.code).toBe(exit);
    expect(run.stderr).toBe(`${line()}\n`);
    expect(run.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await topicExists(topic)).toBe(false);
  });

  it('ktc verify against an unreachable MongoDB: one line, exit 1', async () => {
    const run = await runKtc(['verify', '--mongo-uri', `mongodb://${cluster.state.firstAddress}:1/`, '-t', 'anything', '--timeout', '3s']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^ktc: cannot reach MongoDB at mongodb:\/\/[\d.]+:1\/: connect ECONNREFUSED/);
  });
});
