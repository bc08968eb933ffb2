import { ASSIGNORS, parseAssignors } from './assignorNames.js';
import { CODECS } from './compressionCodecs.js';
import { SASL_MECHANISMS, SECURITY_PROTOCOLS } from './connection.js';
import { ENGINES } from './engineNames.js';
import {
  booleanSwitch,
  choice,
  count,
  duration,
  inputFile,
  INT16_MAX,
  INT32_MAX,
  instant,
  list,
  outputFile,
  rate,
  secretText,
  serverList,
  text,
  topicName,
} from './flagKinds.js';
import { readFlags, type FlagTable, type FlagValues } from './flagTable.js';
import { PAYLOAD_FORMATS } from './payloadFormat.js';

const DROP_IN = 'client.py flags (same names, same meaning):';
const CONNECTION = 'Connection:';
const LOAD = 'Load testing:';
const OUTPUT = 'Output:';
const DISTRIBUTED = 'Distributed runs (several ktc processes, one report):';

/**
 * Every flag of the client command (`ktc [flags] --producer|--consumer`):
 * its parser options, help and validation. `ClientFlags` is derived from it.
 */
export const CLIENT_FLAGS = {
  // Flags that mean exactly what they mean to client.py (charms.kafka.v0.client).
  topic: { alias: 't', group: DROP_IN, kind: topicName, describe: 'Kafka topic provided by Kafka Charm [default: "hot-topic", or the credentials\' topic]' },
  username: { alias: 'u', group: DROP_IN, kind: text('a Kafka user name'), describe: 'Kafka username provided by Kafka Charm' },
  password: {
    alias: 'p',
    group: DROP_IN,
    kind: secretText('a password (or use --password-file, KTC_PASSWORD or --credentials)'),
    describe: 'Kafka password provided by Kafka Charm (visible in ps: prefer --password-file, KTC_PASSWORD or --credentials)',
  },
  'consumer-group-prefix': {
    alias: 'c',
    group: DROP_IN,
    kind: text('a consumer group prefix'),
    describe: 'Kafka consumer-group-prefix provided by Kafka Charm; group id = prefix + "1" [default: "<username>-"]',
  },
  servers: { alias: 's', group: DROP_IN, kind: serverList, describe: 'comma delimited list of Kafka bootstrap-server strings (host:port)' },
  'security-protocol': {
    alias: 'x',
    group: DROP_IN,
    kind: choice(SECURITY_PROTOCOLS),
    describe: 'SASL_PLAINTEXT (default), SASL_SSL, SSL (mTLS) or PLAINTEXT',
  },
  'num-messages': {
    alias: 'n',
    group: DROP_IN,
    kind: count(1),
    describe: 'number of messages to send from a producer [default: 15]; for a consumer alone, stop after this many',
  },
  'replication-factor': { alias: 'r', group: DROP_IN, kind: count(1, INT16_MAX), describe: "replication.factor for created topics [default: the broker's]" },
  'num-partitions': { group: DROP_IN, kind: count(1, INT32_MAX), describe: "partitions for created topics [default: the broker's]" },
  producer: { group: DROP_IN, kind: booleanSwitch, describe: 'produce messages (creating the topic if needed)' },
  consumer: { group: DROP_IN, kind: booleanSwitch, describe: 'consume messages; alone it runs until Ctrl+C unless -n, --duration or --idle-timeout' },
  'cafile-path': { group: DROP_IN, kind: inputFile('a PEM file'), describe: 'CA bundle (PEM) that signed the broker certificates, for SASL_SSL and SSL' },
  'certfile-path': { group: DROP_IN, kind: inputFile('a PEM file'), describe: 'client certificate (PEM), presented on SSL and SASL_SSL' },
  'keyfile-path': { group: DROP_IN, kind: inputFile('a PEM file'), describe: 'client private key (PEM, unencrypted)' },
  'mongo-uri': {
    group: DROP_IN,
    kind: text('a MongoDB URI, e.g. mongodb://10.1.2.3:27017'),
    describe:
      'also write every acknowledged message to MongoDB collection "producer" and every consumed one to "consumer" (database = topic), as client.py does; compare them with `ktc verify --mongo-uri URI -t TOPIC`',
  },
  origin: { group: DROP_IN, kind: text('a label for the messages'), describe: 'label put in every message [default: "<hostname> (<ip>)"]' },

  credentials: {
    group: CONNECTION,
    kind: inputFile('a credentials YAML file, or - for standard input'),
    describe: 'YAML from `juju run data-integrator/leader get-credentials` or `ktc local credentials` (- = stdin); flags win over it',
  },
  'password-file': { group: CONNECTION, kind: inputFile('a file holding the password'), describe: 'read the password from this file (keeps it out of ps)' },
  'sasl-mechanism': { group: CONNECTION, kind: choice(SASL_MECHANISMS), describe: 'SCRAM-SHA-512 (default, Charmed Kafka), SCRAM-SHA-256 or PLAIN' },
  'verify-hostname': {
    group: CONNECTION,
    kind: booleanSwitch,
    describe: 'check that the broker certificate names the host connected to (client.py never checks; --no-verify-hostname to skip)',
  },
  timeout: { group: CONNECTION, kind: duration, describe: 'give up with an error when the cluster does not answer for this long [default: 30s]' },
  'partition-assignment-strategy': {
    group: CONNECTION,
    kind: list(`a list of ${ASSIGNORS.join(', ')} (e.g. roundrobin,range)`, parseAssignors),
    describe:
      "consumer: group assignors offered, preferred first, like Java's partition.assignment.strategy: range, roundrobin (e.g. roundrobin,range); lets ktc share a group with Java, librdkafka and kafka-python consumers [default: range,roundrobin]",
  },

  'record-size': {
    group: LOAD,
    kind: count(1, INT32_MAX),
    describe: "bytes per message value; JSON padded to size, or ktc's binary record when too small for JSON",
  },
  payload: { group: LOAD, kind: choice(PAYLOAD_FORMATS), describe: 'json (client.py-compatible, default) or binary (compact)' },
  throughput: {
    group: LOAD,
    kind: rate,
    describe: 'messages per second, open loop: latency counts from the scheduled send time [default: -1 = as fast as possible]',
  },
  acks: { group: LOAD, kind: choice(['all', '-1', '1', '0'] as const), describe: 'all (default), 1 or 0' },
  'batch-size': {
    group: LOAD,
    kind: count(1, INT32_MAX),
    describe:
      'messages per send (one produce request per leader), spread over the partitions [default: 1 MiB worth per leader, over at most 8 partitions per leader, at most 256 KiB per partition]',
  },
  'max-in-flight': {
    group: LOAD,
    kind: count(1, INT32_MAX),
    describe: 'produce requests awaiting acknowledgement per broker, per producer; up to 5 keep order with idempotence [default: 5 with idempotence, else 1]',
  },
  compression: {
    group: LOAD,
    kind: choice(CODECS),
    describe: "none (default), gzip, snappy, lz4 or zstd (Kafka's framing for each, readable by every client)",
  },
  idempotent: {
    group: LOAD,
    kind: booleanSwitch,
    describe: 'idempotent producer: retries never duplicate or reorder (default with --acks all, as in the Java client; --no-idempotent turns it off)',
  },
  'delivery-timeout': {
    group: LOAD,
    kind: duration,
    describe:
      "retry a batch (leader moves, broker restarts) until this long after it was sent, then count it as failed [default: 120s, Java's delivery.timeout.ms]",
  },
  workers: {
    group: LOAD,
    // Each worker is a thread with its own connections; more than a machine has cores only adds contention.
    kind: count(1, 1024),
    describe:
      'producers in worker threads, each with its share of -n and --throughput [default: 1; with --engine kafkajs, one per core (max 4) above 10,000 messages]',
  },
  engine: {
    group: LOAD,
    kind: choice(ENGINES),
    describe:
      "who moves the data: wire (ktc's own Kafka protocol for produce requests and fetches) or kafkajs; admin and group membership always use kafkajs [default: wire]",
  },
  duration: { group: LOAD, kind: duration, describe: 'run for this long (e.g. 30s, 2m); with --producer and no -n, as many messages as fit' },
  warmup: { group: LOAD, kind: duration, describe: 'leave the first part of the run out of the latency histograms (e.g. 5s)' },
  'auto-offset-reset': {
    group: LOAD,
    kind: choice(['earliest', 'latest'] as const),
    describe: 'consumer: where to start without a committed offset, or when the position was deleted: earliest (default, as client.py) or latest',
  },
  'isolation-level': {
    group: LOAD,
    kind: choice(['read_uncommitted', 'read_committed'] as const),
    describe: 'consumer: read_uncommitted (default, as the Java consumer) or read_committed (skip aborted transactions)',
  },
  'idle-timeout': { group: LOAD, kind: duration, describe: 'consumer: stop after this long without a message (e.g. 10s)' },
  verify: { group: LOAD, kind: booleanSwitch, describe: 'exit 3 when an acknowledged message was not consumed (default with --producer --consumer)' },

  'run-id': {
    group: DISTRIBUTED,
    kind: text('a name for the run, the same for every worker (e.g. the Job name)'),
    describe:
      'make this process one worker of a named run: it announces itself, then publishes progress and its result (histograms included) to --results-topic; `ktc results --run-id ID` merges them',
  },
  'workers-expected': {
    group: DISTRIBUTED,
    kind: count(1, 100_000),
    describe:
      'with --run-id: start producing only once this many workers of the run have announced themselves (they then measure the same window); gives up after --timeout',
  },
  'results-topic': {
    group: DISTRIBUTED,
    kind: topicName,
    describe: "topic for --run-id workers' announcements, progress and results, created when missing [default: ktc-results]",
  },
  'start-at': {
    group: DISTRIBUTED,
    kind: instant,
    describe:
      'start producing at this moment, e.g. 2026-11-27T10:00:00Z, or 10:00:30 (UTC, the next such time), so workers started apart measure the same window; after --workers-expected when both are given',
  },

  'log-messages': { group: OUTPUT, kind: booleanSwitch, describe: 'log every message (default when -n <= 100, and for a consumer alone)' },
  json: { group: OUTPUT, kind: booleanSwitch, describe: 'print the result as one JSON object on stdout' },
  format: {
    group: OUTPUT,
    kind: choice(['table', 'kafka'] as const),
    describe: 'table (default) or kafka: the lines kafka-producer-perf-test / kafka-consumer-perf-test print',
  },
  'progress-interval': { group: OUTPUT, kind: duration, describe: 'how often to print a progress line [default: 5s]' },
  'hdr-out': { group: OUTPUT, kind: outputFile, describe: 'write the latency histograms (HdrHistogram, compressed base64, mergeable) to this file' },
  html: {
    group: OUTPUT,
    kind: outputFile,
    describe: 'write a self-contained HTML report (latency percentile plots, throughput and p99 over time, the tables) to this file',
  },
  'log-file': { group: OUTPUT, kind: outputFile, describe: 'append logs and the report to this file instead of stdout' },
} satisfies FlagTable;

/** The client command's flags, parsed and each checked on its own; absent = not given. */
export type ClientFlags = FlagValues<typeof CLIENT_FLAGS>;

/** The client flags from the command-line parser's arguments; throws a UsageError naming the first bad one. */
export function readClientFlags(args: Readonly<Record<string, unknown>>): ClientFlags {
  return readFlags(CLIENT_FLAGS, args);
}
