import { describe, expect, it } from 'vitest';
import { buildRunConfig, type ConfigEnvironment } from '../../../src/config/buildRunConfig.js';
import { readClientFlags } from '../../../src/config/clientFlags.js';
import { parseCredentials } from '../../../src/config/credentialsFile.js';
import { parseDuration } from '../../../src/config/flagKinds.js';
import { UsageError } from '../../../src/errors.js';
import { defined } from '../../../src/defined.js';

function env(files: Record<string, string> = {}, vars: Record<string, string> = {}, stdin = ''): ConfigEnvironment & { notices: string[] } {
  const notices: string[] = [];
  return {
    env: vars,
    readFile: (path) => {
      if (!(path in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return defined(files[path]);
    },
    readStdin: () => stdin,
    notice: (l) => notices.push(l),
    notices,
  };
}

/** What yargs hands over: kebab-case keys, every value as typed on the command line (or a switch). */
type Args = Record<string, string | boolean>;

const base: Args = { username: 'relation-8', password: 'pw', servers: '10.0.0.1:9092,10.0.0.2:9092' };

/** The command line's path: each flag checked by its declaration, then the run config built from all of them. */
const build = (args: Args, environment: ConfigEnvironment = env()) => buildRunConfig(readClientFlags(args), environment);

const JUJU_OUTPUT = `Running operation 7 with 1 task
  - task 8 on unit-data-integrator-0

Waiting for task 8...
kafka:
  consumer-group-prefix: relation-8-
  endpoints: 10.160.139.127:9092,10.160.139.193:9092
  password: uS76LoW8aEGTGgrlASKLrdqt8JPFuPB6
  resource: test-topic
  tls: disabled
  topic: test-topic
  username: relation-8
  version: v0
ok: "True"
`;

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('client.py flags', () => {
  it('keeps client.py defaults: topic hot-topic, 15 messages, SASL_PLAINTEXT with SCRAM-SHA-512, group <username>-1', () => {
    const c = build({ ...base, producer: true, consumer: true }, env());
    expect(c.topic).toBe('hot-topic');
    expect(defined(c.produce).numMessages).toBe(15);
    expect(c.connection.securityProtocol).toBe('SASL_PLAINTEXT');
    expect(c.connection.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'relation-8', password: 'pw' });
    expect(defined(c.consume).groupId).toBe('relation-8-1');
    expect(c.connection.brokers).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
    expect(c.engine).toBe('wire');
    // Idempotent by default (acks=all), so 5 sends in flight keep order; the send size waits for the partition count.
    expect(defined(c.produce).idempotent).toBe(true);
    expect(defined(c.produce).maxInFlight).toBe(5);
    expect(defined(c.produce).batchSize).toBeUndefined();
  });

  it('keeps one send in flight without idempotence, where more could reorder a partition on a retry', () => {
    const c = buildRunConfig({ ...base, producer: true, acks: '1' }, env());
    expect(defined(c.produce).idempotent).toBe(false);
    expect(defined(c.produce).maxInFlight).toBe(1);
  });

  it('builds the group id from -c as prefix + "1"', () => {
    expect(defined(build({ ...base, consumer: true, 'consumer-group-prefix': 'cg' }, env()).consume).groupId).toBe('cg1');
  });

  it('leaves -r and --num-partitions to the broker when absent', () => {
    const p = defined(build({ ...base, producer: true }, env()).produce);
    expect(p.partitions).toBeUndefined();
    expect(p.replicationFactor).toBeUndefined();
  });

  it('lets a consumer alone run until interrupted unless -n is given', () => {
    expect(defined(build({ ...base, consumer: true }, env()).consume).maxMessages).toBeUndefined();
    expect(defined(build({ ...base, consumer: true, 'num-messages': '3' }, env()).consume).maxMessages).toBe(3);
  });

  it('logs every message on small runs and switches to progress on big ones', () => {
    expect(build({ ...base, producer: true, 'num-messages': '100' }, env()).output.logMessages).toBe(true);
    expect(build({ ...base, producer: true, 'num-messages': '101' }, env()).output.logMessages).toBe(false);
    expect(build({ ...base, producer: true, 'num-messages': '101', 'log-messages': true }, env()).output.logMessages).toBe(true);
  });

  it('verifies by default only when producing and consuming together', () => {
    expect(build({ ...base, producer: true, consumer: true }, env()).verify).toBe(true);
    expect(build({ ...base, consumer: true }, env()).verify).toBe(false);
  });
});

describe('--mongo-uri', () => {
  it('carries the URI and the origin the consumer stamps as destination; the producer stays on the main thread', () => {
    const config = buildRunConfig(
      { ...base, producer: true, consumer: true, engine: 'kafkajs', numMessages: 50_000, origin: 'unit-1', mongoUri: 'mongodb://h:27017/' },
      env(),
    );
    expect(config.mongo).toEqual({ uri: 'mongodb://h:27017/', origin: 'unit-1' });
    // Without --mongo-uri, this kafkajs run would have used several worker threads.
    expect(defined(config.produce).workers).toBe(1);
  });

  it('is absent without the flag', () => {
    expect(buildRunConfig({ ...base, consumer: true }, env()).mongo).toBeUndefined();
  });
});

describe('--partition-assignment-strategy', () => {
  it('offers range then roundrobin by default, like Java puts range first', () => {
    expect(defined(build({ ...base, consumer: true }, env()).consume).assignors).toEqual(['range', 'roundrobin']);
  });

  it('keeps the order given (preference) and accepts Java class names', () => {
    const c = build({ ...base, consumer: true, 'partition-assignment-strategy': 'roundrobin,org.apache.kafka.clients.consumer.RangeAssignor' }, env());
    expect(defined(c.consume).assignors).toEqual(['roundrobin', 'range']);
  });

  it.each([
    ['range,sticky', '--partition-assignment-strategy range,sticky: sticky is not an assignor ktc offers; use range, roundrobin (e.g. range,roundrobin)'],
    [
      'cooperative-sticky',
      "--partition-assignment-strategy cooperative-sticky needs the cooperative rebalance protocol and ktc's consumer (kafkajs) rebalances eagerly; use range, roundrobin (e.g. range,roundrobin)",
    ],
    ['range,range', '--partition-assignment-strategy range,range: lists range twice'],
    [' , ', '--partition-assignment-strategy " , ": lists no assignor: use range, roundrobin (e.g. range,roundrobin)'],
    ['', '--partition-assignment-strategy is empty: give a list of range, roundrobin (e.g. roundrobin,range)'],
  ])('refuses %j with one usage line', (value, message) => {
    expect(usage(() => build({ ...base, consumer: true, 'partition-assignment-strategy': value }, env()))).toBe(message);
  });
});

describe('bad input', () => {
  it.each([
    [{ ...base }, 'say what to run: --producer, --consumer, or both (see ktc --help)'],
    [{ ...base, producer: true, 'num-messages': '0' }, '-n/--num-messages 0 is not a positive integer (at most 9007199254740991)'],
    [{ ...base, producer: true, 'num-messages': '2.5' }, '-n/--num-messages 2.5 is not a positive integer (at most 9007199254740991)'],
    [{ ...base, producer: true, 'num-messages': '1e20' }, '-n/--num-messages 1e20 is not a positive integer (at most 9007199254740991)'],
    [{ ...base, producer: true, 'num-messages': '-5' }, '-n/--num-messages -5 is not a positive integer (at most 9007199254740991)'],
    [{ ...base, producer: true, 'num-messages': '0x10' }, '-n/--num-messages 0x10 is not a positive integer (at most 9007199254740991)'],
    [{ username: 'u', password: 'p', producer: true }, 'no bootstrap servers: pass -s/--servers host:port[,host:port...] or --credentials'],
    [{ ...base, servers: 'localhost', producer: true }, '-s/--servers localhost is not host:port (e.g. 10.1.2.3:9092)'],
    [{ ...base, servers: 'h:1,h:99999', producer: true }, '-s/--servers h:1,h:99999 has "h:99999", which is not host:port (e.g. 10.1.2.3:9092)'],
    [{ ...base, servers: 'h:1,,h:2', producer: true }, '-s/--servers h:1,,h:2 has an empty entry: write host:port[,host:port...]'],
    [{ ...base, producer: true, 'security-protocol': 'TLS' }, '-x/--security-protocol TLS is not one of SASL_PLAINTEXT, SASL_SSL, SSL, PLAINTEXT'],
    [{ ...base, producer: true, 'sasl-mechanism': 'GSSAPI' }, '--sasl-mechanism GSSAPI is not one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN'],
    [{ ...base, producer: true, 'num-partitions': '0' }, '--num-partitions 0 is not a positive integer (at most 2147483647)'],
    [{ ...base, producer: true, 'replication-factor': '40000' }, '-r/--replication-factor 40000 is not a positive integer (at most 32767)'],
    [{ servers: 'h:1', producer: true }, 'SASL_PLAINTEXT needs a username: pass -u/--username or --credentials'],
    [{ servers: 'h:1', username: 'u', producer: true }, 'SASL_PLAINTEXT needs a password: pass --password-file, set KTC_PASSWORD, use --credentials, or -p'],
    [{ ...base, producer: true, 'mongo-uri': 'mongodb://x', workers: '2' }, '--mongo-uri needs a single producer: drop --workers'],
    [
      { ...base, producer: true, 'mongo-uri': 'mongodb://x', payload: 'binary' },
      '--mongo-uri stores the JSON message as a document: use --payload json (and a --record-size that fits it, or none)',
    ],
    [{ ...base, producer: true, 'security-protocol': 'SASL_SSL', 'cafile-path': '/missing.pem' }, '--cafile-path /missing.pem does not exist'],
    [{ ...base, producer: true, 'security-protocol': 'SSL' }, 'SSL (mTLS) authenticates with a client certificate: pass --certfile-path and --keyfile-path'],
    [{ ...base, producer: true, duration: 'soon' }, '--duration soon is not a duration: write e.g. 30s, 2m, 500ms or a number of seconds'],
    [{ ...base, consumer: true, 'idle-timeout': '-5s' }, '--idle-timeout -5s is negative: durations are positive, e.g. 30s, 2m, 500ms or a number of seconds'],
    [{ ...base, producer: true, timeout: '0' }, '--timeout 0 is not longer than zero: write e.g. 30s, 2m, 500ms or a number of seconds'],
    [{ ...base, producer: true, warmup: '0.4ms' }, '--warmup 0.4ms is not longer than zero: write e.g. 30s, 2m, 500ms or a number of seconds'],
    [{ ...base, producer: true, duration: '1000h' }, '--duration 1000h is longer than 596h, the longest wait ktc can time'],
    [{ ...base, producer: true, throughput: '0' }, '--throughput 0 is not a positive number of messages per second, or -1 for as fast as possible'],
    [{ ...base, producer: true, topic: 'no spaces' }, '-t/--topic "no spaces" is not a valid topic name: use up to 249 characters from a-z A-Z 0-9 . _ -'],
    [{ ...base, producer: true, topic: '..' }, '-t/--topic .. is not a valid topic name: "." and ".." are reserved'],
    [{ ...base, producer: true, username: '' }, '-u/--username is empty: give a Kafka user name'],
    [{ ...base, producer: true, json: 'maybe' }, '--json maybe is not true or false: a switch takes no value'],
    [{ ...base, producer: true, topic: false }, '-t/--topic needs a value: give a topic name (up to 249 characters from a-z A-Z 0-9 . _ -)'],
    [{ ...base, producer: true, 'record-size': '20' }, "--record-size 20 is too small: ktc's binary records need at least 28 bytes (its message header)"],
    [
      { ...base, producer: true, acks: '1', idempotent: true },
      '--idempotent needs --acks all (or drop --idempotent: with --acks 0 or 1 the producer is not idempotent)',
    ],
  ] as Array<[Args, string]>)('%j is refused with one clear line', (args, message) => {
    const text = usage(() => build(args, env()));
    expect(text).toBe(message);
    expect(text).not.toContain('pw');
  });

  it('names a flag given twice, with its values, and never shows a password', () => {
    const twice = { ...base, producer: true, 'num-messages': ['5', '6'] } as unknown as Args;
    expect(usage(() => build(twice))).toBe('-n/--num-messages is given 2 times (5, 6): give it once');
    const passwords = { ...base, producer: true, password: ['secret-1', 'secret-2'] } as unknown as Args;
    expect(usage(() => build(passwords))).toBe('-p/--password is given 2 times ((hidden), (hidden)): give it once');
  });

  it('refuses a CA file that holds no certificate', () => {
    expect(usage(() => build({ ...base, producer: true, 'security-protocol': 'SASL_SSL', 'cafile-path': '/ca.pem' }, env({ '/ca.pem': 'junk' })))).toMatch(
      /holds no PEM certificate/,
    );
  });

  it('checks the topic and endpoints of a credentials file by the same rules as the flags', () => {
    const badTopic = JUJU_OUTPUT.replace('topic: test-topic', 'topic: no spaces');
    expect(usage(() => build({ credentials: '/c.yaml', producer: true }, env({ '/c.yaml': badTopic })))).toBe(
      '--credentials /c.yaml: topic "no spaces" is not a valid topic name: use up to 249 characters from a-z A-Z 0-9 . _ -',
    );
    const badEndpoints = JUJU_OUTPUT.replace('10.160.139.193:9092', '10.160.139.193');
    expect(usage(() => build({ credentials: '/c.yaml', producer: true }, env({ '/c.yaml': badEndpoints })))).toBe(
      '--credentials /c.yaml: endpoints 10.160.139.127:9092,10.160.139.193 has "10.160.139.193", which is not host:port (e.g. 10.1.2.3:9092)',
    );
  });
});

describe('credentials', () => {
  it("reads juju's get-credentials output, preamble and all", () => {
    const c = build({ credentials: '/c.yaml', producer: true, consumer: true }, env({ '/c.yaml': JUJU_OUTPUT }));
    expect(c.connection.brokers).toEqual(['10.160.139.127:9092', '10.160.139.193:9092']);
    expect(c.connection.sasl?.username).toBe('relation-8');
    expect(c.connection.sasl?.password).toBe('uS76LoW8aEGTGgrlASKLrdqt8JPFuPB6');
    expect(c.topic).toBe('test-topic');
    expect(defined(c.consume).groupId).toBe('relation-8-1');
  });

  it('reads them from stdin with -', () => {
    expect(build({ credentials: '-', consumer: true }, env({}, {}, JUJU_OUTPUT)).topic).toBe('test-topic');
  });

  it('lets explicit flags win over the file, and takes the password from KTC_PASSWORD or --password-file', () => {
    const files = { '/c.yaml': JUJU_OUTPUT, '/pw': 'from-file\n' };
    expect(build({ credentials: '/c.yaml', producer: true, topic: 'other', password: 'flag' }, env(files)).topic).toBe('other');
    expect(build({ credentials: '/c.yaml', producer: true, password: 'flag' }, env(files)).connection.sasl?.password).toBe('flag');
    expect(build({ credentials: '/c.yaml', producer: true, 'password-file': '/pw' }, env(files)).connection.sasl?.password).toBe('from-file');
    expect(build({ credentials: '/c.yaml', producer: true }, env(files, { KTC_PASSWORD: 'env' })).connection.sasl?.password).toBe('env');
  });

  it('uses SASL_SSL and the embedded CA when the credentials say tls: enabled', () => {
    const pem = '-----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----';
    const yaml = JUJU_OUTPUT.replace('tls: disabled', `tls: enabled\n  tls-ca: |-\n    ${pem.replace(/\n {2}/g, '\n    ')}`);
    const c = build({ credentials: '/c.yaml', producer: true }, env({ '/c.yaml': yaml }));
    expect(c.connection.securityProtocol).toBe('SASL_SSL');
    expect(c.connection.tls?.ca).toBe('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    expect(c.connection.tls?.verifyHostname).toBe(true);
  });

  it('refuses malformed YAML and YAML without endpoints, without echoing the password', () => {
    expect(usage(() => parseCredentials('kafka: [unclosed', 'x.yaml'))).toMatch(/x.yaml is not valid YAML/);
    const noEndpoints = JUJU_OUTPUT.replace(/ {2}endpoints:.*\n/, '');
    const message = usage(() => parseCredentials(noEndpoints, 'x.yaml'));
    expect(message).toMatch(/has no "endpoints"/);
    expect(message).not.toContain('uS76LoW8');
  });
});

describe('small parsers', () => {
  it('parses durations to whole milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('5')).toBe(5000);
  });

  it('accepts IPv6 and host names in server lists, and counts written with an exponent', () => {
    expect(build({ ...base, servers: '[::1]:9092, kafka-0.example:9093', producer: true }).connection.brokers).toEqual(['[::1]:9092', 'kafka-0.example:9093']);
    expect(defined(build({ ...base, producer: true, 'num-messages': '1e6' }).produce).numMessages).toBe(1_000_000);
  });

  it('matches choices without regard to case and keeps their spelling; -1 is a throughput, not a flag', () => {
    const c = build({ ...base, producer: true, 'security-protocol': 'sasl_plaintext', compression: 'LZ4', throughput: '-1', acks: '-1' });
    expect(c.connection.securityProtocol).toBe('SASL_PLAINTEXT');
    expect(defined(c.produce).compression).toBe('lz4');
    expect(defined(c.produce).throughput).toBe(-1);
    expect(defined(c.produce).acks).toBe(-1);
  });
});
