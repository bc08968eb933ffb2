import type { Argv, Options } from 'yargs';

/** Flags that mean exactly what they mean to client.py (charms.kafka.v0.client). */
const dropIn: Record<string, Options> = {
  topic: { alias: 't', type: 'string', describe: 'Kafka topic provided by Kafka Charm [default: "hot-topic", or the credentials\' topic]' },
  username: { alias: 'u', type: 'string', describe: 'Kafka username provided by Kafka Charm' },
  password: { alias: 'p', type: 'string', describe: 'Kafka password provided by Kafka Charm (visible in ps: prefer --password-file, KTC_PASSWORD or --credentials)' },
  'consumer-group-prefix': { alias: 'c', type: 'string', describe: 'Kafka consumer-group-prefix provided by Kafka Charm; group id = prefix + "1" [default: "<username>-"]' },
  servers: { alias: 's', type: 'string', describe: 'comma delimited list of Kafka bootstrap-server strings (host:port)' },
  'security-protocol': { alias: 'x', type: 'string', describe: 'SASL_PLAINTEXT (default), SASL_SSL, SSL (mTLS) or PLAINTEXT' },
  'num-messages': { alias: 'n', type: 'number', describe: 'number of messages to send from a producer [default: 15]; for a consumer alone, stop after this many' },
  'replication-factor': { alias: 'r', type: 'number', describe: 'replication.factor for created topics [default: the broker\'s]' },
  'num-partitions': { type: 'number', describe: 'partitions for created topics [default: the broker\'s]' },
  producer: { type: 'boolean', describe: 'produce messages (creating the topic if needed)' },
  consumer: { type: 'boolean', describe: 'consume messages; alone it runs until Ctrl+C unless -n, --duration or --idle-timeout' },
  'cafile-path': { type: 'string', describe: 'CA bundle (PEM) that signed the broker certificates, for SASL_SSL and SSL' },
  'certfile-path': { type: 'string', describe: 'client certificate (PEM), presented on SSL and SASL_SSL' },
  'keyfile-path': { type: 'string', describe: 'client private key (PEM, unencrypted)' },
  'mongo-uri': { type: 'string', describe: 'not supported yet (refused): ktc verifies delivery itself, see --verify' },
  origin: { type: 'string', describe: 'label put in every message [default: "<hostname> (<ip>)"]' },
};

const connection: Record<string, Options> = {
  credentials: { type: 'string', nargs: 1, describe: 'YAML from `juju run data-integrator/leader get-credentials` or `ktc local credentials` (- = stdin); flags win over it' },
  'password-file': { type: 'string', describe: 'read the password from this file (keeps it out of ps)' },
  'sasl-mechanism': { type: 'string', describe: 'SCRAM-SHA-512 (default, Charmed Kafka), SCRAM-SHA-256 or PLAIN' },
  'verify-hostname': { type: 'boolean', describe: 'check that the broker certificate names the host connected to (client.py never checks; --no-verify-hostname to skip)' },
  timeout: { type: 'string', describe: 'give up with an error when the cluster does not answer for this long [default: 30s]' },
  'partition-assignment-strategy': {
    type: 'string',
    describe:
      'consumer: group assignors offered, preferred first, like Java\'s partition.assignment.strategy: range, roundrobin (e.g. roundrobin,range); lets ktc share a group with Java, librdkafka and kafka-python consumers [default: range,roundrobin]',
  },
};

const load: Record<string, Options> = {
  'record-size': { type: 'number', describe: 'bytes per message value; JSON padded to size, or ktc\'s binary record when too small for JSON' },
  payload: { type: 'string', describe: 'json (client.py-compatible, default) or binary (compact)' },
  throughput: { type: 'number', describe: 'messages per second, open loop: latency counts from the scheduled send time [default: -1 = as fast as possible]' },
  acks: { type: 'string', describe: 'all (default), 1 or 0' },
  'batch-size': { type: 'number', describe: 'messages per produce request, one partition each [default: 1 MiB worth, at most 256 KiB per partition]' },
  'max-in-flight': { type: 'number', describe: 'sends awaiting acknowledgement at once, per producer; up to 5 keep order with idempotence [default: 5 with idempotence, else 1]' },
  compression: { type: 'string', describe: 'none (default), gzip, snappy, lz4 or zstd (Kafka\'s framing for each, readable by every client)' },
  idempotent: { type: 'boolean', describe: 'idempotent producer: retries never duplicate or reorder (default with --acks all, as in the Java client; --no-idempotent turns it off)' },
  'delivery-timeout': { type: 'string', describe: 'retry a batch (leader moves, broker restarts) until this long after it was sent, then count it as failed [default: 120s, Java\'s delivery.timeout.ms]' },
  workers: { type: 'number', describe: 'producers in worker threads, each with its share of -n and --throughput [default: 1; with --engine kafkajs, one per core (max 4) above 10,000 messages]' },
  engine: { type: 'string', describe: "who moves the data: wire (ktc's own Kafka protocol for produce requests and fetches) or kafkajs; admin and group membership always use kafkajs [default: wire]" },
  duration: { type: 'string', describe: 'run for this long (e.g. 30s, 2m); with --producer and no -n, as many messages as fit' },
  warmup: { type: 'string', describe: 'leave the first part of the run out of the latency histograms (e.g. 5s)' },
  'auto-offset-reset': { type: 'string', describe: 'consumer: where to start without a committed offset, or when the position was deleted: earliest (default, as client.py) or latest' },
  'isolation-level': { type: 'string', describe: 'consumer: read_uncommitted (default, as the Java consumer) or read_committed (skip aborted transactions)' },
  'idle-timeout': { type: 'string', describe: 'consumer: stop after this long without a message (e.g. 10s)' },
  verify: { type: 'boolean', describe: 'exit 3 when an acknowledged message was not consumed (default with --producer --consumer)' },
};

const output: Record<string, Options> = {
  'log-messages': { type: 'boolean', describe: 'log every message (default when -n <= 100, and for a consumer alone)' },
  json: { type: 'boolean', describe: 'print the result as one JSON object on stdout' },
  format: { type: 'string', describe: 'table (default) or kafka: the lines kafka-producer-perf-test / kafka-consumer-perf-test print' },
  'progress-interval': { type: 'string', describe: 'how often to print a progress line [default: 5s]' },
  'hdr-out': { type: 'string', describe: 'write the latency histograms (HdrHistogram, compressed base64, mergeable) to this file' },
  'log-file': { type: 'string', describe: 'append logs and the report to this file instead of stdout' },
};

export function clientOptions(y: Argv): Argv {
  return y
    .options(dropIn)
    .group(Object.keys(dropIn), 'client.py flags (same names, same meaning):')
    .options(connection)
    .group(Object.keys(connection), 'Connection:')
    .options(load)
    .group(Object.keys(load), 'Load testing:')
    .options(output)
    .group(Object.keys(output), 'Output:');
}

export const EXAMPLES: Array<[string, string]> = [
  ['$0 -u relation-8 -p PASS -t test-topic -s "10.0.0.1:9092,10.0.0.2:9092" -n 10 -r 3 --num-partitions 1 --producer', 'the tutorial\'s producer'],
  ['$0 -u relation-8 -p PASS -t test-topic -s "10.0.0.1:9092" --consumer', 'the tutorial\'s consumer (runs until Ctrl+C)'],
  ['juju run data-integrator/leader get-credentials | $0 --credentials - --producer --consumer -n 100', 'produce, consume and verify, credentials from the charm'],
  ['$0 --credentials creds.yaml -x SASL_SSL --cafile-path ca.pem --producer', 'over TLS, broker certificate checked against ca.pem'],
  ['$0 --credentials creds.yaml --consumer --partition-assignment-strategy roundrobin,range', 'consume in a group shared with Java consumers, round robin preferred'],
  ['$0 --credentials creds.yaml --producer -n 1000000 --record-size 1024', 'throughput test'],
  ['$0 --credentials creds.yaml --producer --consumer --throughput 5000 --duration 60s', 'latency at a fixed rate, end to end'],
  ['$0 local up && $0 local credentials | $0 --credentials - --producer --consumer', 'all of it against a local Kafka 4 cluster'],
];

export const EPILOGUE = `Exit status: 0 success; 1 failure (Kafka error, or messages not acknowledged); 2 bad usage;
3 verification failed (an acknowledged message was not consumed); 130 interrupted (SIGINT), 143 terminated (SIGTERM),
both after draining in-flight messages and printing the summary.

Differences from client.py: SASL_SSL presents the client certificate when given; the broker hostname is verified
(--no-verify-hostname to skip, as client.py always did); missing -r/--num-partitions use the broker defaults;
a producer-only run exits 0; non-JSON messages are counted, not fatal; Ctrl+C prints a summary.`;
