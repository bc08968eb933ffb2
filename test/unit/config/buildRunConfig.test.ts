import { describe, expect, it } from 'vitest';
import { buildRunConfig, parseServers, type ClientFlags, type ConfigEnvironment } from '../../../src/config/buildRunConfig.js';
import { parseCredentials } from '../../../src/config/credentialsFile.js';
import { parseDuration } from '../../../src/config/durations.js';
import { UsageError } from '../../../src/errors.js';

function env(files: Record<string, string> = {}, vars: Record<string, string> = {}, stdin = ''): ConfigEnvironment & { notices: string[] } {
  const notices: string[] = [];
  return {
    env: vars,
    readFile: (path) => {
      if (!(path in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[path]!;
    },
    readStdin: () => stdin,
    notice: (l) => notices.push(l),
    notices,
  };
}

const base: ClientFlags = { username: 'relation-8', password: 'pw', servers: '10.0.0.1:9092,10.0.0.2:9092' };

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
    const c = buildRunConfig({ ...base, producer: true, consumer: true }, env());
    expect(c.topic).toBe('hot-topic');
    expect(c.produce!.numMessages).toBe(15);
    expect(c.connection.securityProtocol).toBe('SASL_PLAINTEXT');
    expect(c.connection.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'relation-8', password: 'pw' });
    expect(c.consume!.groupId).toBe('relation-8-1');
    expect(c.connection.brokers).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
    expect(c.engine).toBe('wire');
    // Idempotent by default (acks=all), so 5 sends in flight keep order; the send size waits for the partition count.
    expect(c.produce!.idempotent).toBe(true);
    expect(c.produce!.maxInFlight).toBe(5);
    expect(c.produce!.batchSize).toBeUndefined();
  });

  it('keeps one send in flight without idempotence, where more could reorder a partition on a retry', () => {
    const c = buildRunConfig({ ...base, producer: true, acks: '1' }, env());
    expect(c.produce!.idempotent).toBe(false);
    expect(c.produce!.maxInFlight).toBe(1);
  });

  it('builds the group id from -c as prefix + "1"', () => {
    expect(buildRunConfig({ ...base, consumer: true, consumerGroupPrefix: 'cg' }, env()).consume!.groupId).toBe('cg1');
  });

  it('leaves -r and --num-partitions to the broker when absent', () => {
    const p = buildRunConfig({ ...base, producer: true }, env()).produce!;
    expect(p.partitions).toBeUndefined();
    expect(p.replicationFactor).toBeUndefined();
  });

  it('lets a consumer alone run until interrupted unless -n is given', () => {
    expect(buildRunConfig({ ...base, consumer: true }, env()).consume!.maxMessages).toBeUndefined();
    expect(buildRunConfig({ ...base, consumer: true, numMessages: 3 }, env()).consume!.maxMessages).toBe(3);
  });

  it('logs every message on small runs and switches to progress on big ones', () => {
    expect(buildRunConfig({ ...base, producer: true, numMessages: 100 }, env()).output.logMessages).toBe(true);
    expect(buildRunConfig({ ...base, producer: true, numMessages: 101 }, env()).output.logMessages).toBe(false);
    expect(buildRunConfig({ ...base, producer: true, numMessages: 101, logMessages: true }, env()).output.logMessages).toBe(true);
  });

  it('verifies by default only when producing and consuming together', () => {
    expect(buildRunConfig({ ...base, producer: true, consumer: true }, env()).verify).toBe(true);
    expect(buildRunConfig({ ...base, consumer: true }, env()).verify).toBe(false);
  });
});

describe('--partition-assignment-strategy', () => {
  it('offers range then roundrobin by default, like Java puts range first', () => {
    expect(buildRunConfig({ ...base, consumer: true }, env()).consume!.assignors).toEqual(['range', 'roundrobin']);
  });

  it('keeps the order given (preference) and accepts Java class names', () => {
    const c = buildRunConfig({ ...base, consumer: true, partitionAssignmentStrategy: 'roundrobin,org.apache.kafka.clients.consumer.RangeAssignor' }, env());
    expect(c.consume!.assignors).toEqual(['roundrobin', 'range']);
  });

  it.each([
    ['range,sticky', '--partition-assignment-strategy sticky is not an assignor ktc offers; use range, roundrobin (e.g. range,roundrobin)'],
    ['cooperative-sticky', "--partition-assignment-strategy cooperative-sticky needs the cooperative rebalance protocol and ktc's consumer (kafkajs) rebalances eagerly; use range, roundrobin (e.g. range,roundrobin)"],
    ['', '--partition-assignment-strategy lists no assignor: use range, roundrobin (e.g. range,roundrobin)'],
  ])('refuses %j with one usage line', (value, message) => {
    expect(usage(() => buildRunConfig({ ...base, consumer: true, partitionAssignmentStrategy: value }, env()))).toBe(message);
  });
});

describe('bad input', () => {
  it.each([
    [{ ...base }, /--producer, --consumer/],
    [{ ...base, producer: true, numMessages: 0 }, /-n\/--num-messages must be a positive integer/],
    [{ ...base, producer: true, numMessages: 2.5 }, /positive integer/],
    [{ username: 'u', password: 'p', producer: true }, /no bootstrap servers/],
    [{ ...base, servers: 'localhost', producer: true }, /"localhost" in -s\/--servers is not host:port/],
    [{ ...base, servers: 'h:99999', producer: true }, /not host:port/],
    [{ ...base, producer: true, securityProtocol: 'TLS' }, /-x\/--security-protocol TLS is not one of/],
    [{ ...base, producer: true, saslMechanism: 'GSSAPI' }, /--sasl-mechanism GSSAPI is not one of/],
    [{ ...base, producer: true, numPartitions: 0 }, /--num-partitions must be at least 1/],
    [{ servers: 'h:1', producer: true }, /needs a username/],
    [{ servers: 'h:1', username: 'u', producer: true }, /needs a password/],
    [{ ...base, producer: true, mongoUri: 'mongodb://x' }, /--mongo-uri is not supported yet/],
    [{ ...base, producer: true, securityProtocol: 'SASL_SSL', cafilePath: '/missing.pem' }, /--cafile-path \/missing.pem does not exist/],
    [{ ...base, producer: true, securityProtocol: 'SSL', cafilePath: undefined }, /SSL \(mTLS\) authenticates with a client certificate/],
    [{ ...base, producer: true, duration: 'soon' }, /--duration soon is not a duration/],
    [{ ...base, producer: true, throughput: 0 }, /--throughput must be a positive number/],
  ] as Array<[ClientFlags, RegExp]>)('%j is refused with one clear line', (flags, message) => {
    const text = usage(() => buildRunConfig(flags, env()));
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
    expect(text).not.toContain('pw');
  });

  it('refuses a CA file that holds no certificate', () => {
    expect(usage(() => buildRunConfig({ ...base, producer: true, securityProtocol: 'SASL_SSL', cafilePath: '/ca.pem' }, env({ '/ca.pem': 'junk' })))).toMatch(
      /holds no PEM certificate/,
    );
  });
});

describe('credentials', () => {
  it("reads juju's get-credentials output, preamble and all", () => {
    const c = buildRunConfig({ credentials: '/c.yaml', producer: true, consumer: true }, env({ '/c.yaml': JUJU_OUTPUT }));
    expect(c.connection.brokers).toEqual(['10.160.139.127:9092', '10.160.139.193:9092']);
    expect(c.connection.sasl?.username).toBe('relation-8');
    expect(c.connection.sasl?.password).toBe('uS76LoW8aEGTGgrlASKLrdqt8JPFuPB6');
    expect(c.topic).toBe('test-topic');
    expect(c.consume!.groupId).toBe('relation-8-1');
  });

  it('reads them from stdin with -', () => {
    expect(buildRunConfig({ credentials: '-', consumer: true }, env({}, {}, JUJU_OUTPUT)).topic).toBe('test-topic');
  });

  it('lets explicit flags win over the file, and takes the password from KTC_PASSWORD or --password-file', () => {
    const files = { '/c.yaml': JUJU_OUTPUT, '/pw': 'from-file\n' };
    expect(buildRunConfig({ credentials: '/c.yaml', producer: true, topic: 'other', password: 'flag' }, env(files)).topic).toBe('other');
    expect(buildRunConfig({ credentials: '/c.yaml', producer: true, password: 'flag' }, env(files)).connection.sasl?.password).toBe('flag');
    expect(buildRunConfig({ credentials: '/c.yaml', producer: true, passwordFile: '/pw' }, env(files)).connection.sasl?.password).toBe('from-file');
    expect(buildRunConfig({ credentials: '/c.yaml', producer: true }, env(files, { KTC_PASSWORD: 'env' })).connection.sasl?.password).toBe('env');
  });

  it('uses SASL_SSL and the embedded CA when the credentials say tls: enabled', () => {
    const pem = '-----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----';
    const yaml = JUJU_OUTPUT.replace('tls: disabled', `tls: enabled\n  tls-ca: |-\n    ${pem.replace(/\n {2}/g, '\n    ')}`);
    const c = buildRunConfig({ credentials: '/c.yaml', producer: true }, env({ '/c.yaml': yaml }));
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
  it('parses durations', () => {
    expect(parseDuration('d', '30s')).toBe(30_000);
    expect(parseDuration('d', '2m')).toBe(120_000);
    expect(parseDuration('d', '250ms')).toBe(250);
    expect(parseDuration('d', 5)).toBe(5000);
  });

  it('accepts IPv6 and host names in server lists', () => {
    expect(parseServers('[::1]:9092, kafka-0.example:9093')).toEqual(['[::1]:9092', 'kafka-0.example:9093']);
  });
});
