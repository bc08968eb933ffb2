import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { ENGINES, type EngineName } from '../engine/createEngine.js';
import { CODECS } from '../engine/wire/compression.js';
import { DEFAULT_ASSIGNORS, parseAssignors, type AssignorName } from '../engine/groupAssignors.js';
import { UsageError, errorMessage } from '../errors.js';
import { BINARY_HEADER_SIZE, minJsonRecordSize, type PayloadFormat } from '../run/payload.js';
import { SASL_MECHANISMS, SECURITY_PROTOCOLS, usesSasl, usesTls, type SaslMechanism, type SecurityProtocol, type TlsSettings } from './connection.js';
import { parseCredentials, type Credentials } from './credentialsFile.js';
import { parseDuration } from './durations.js';
import { defaultMaxInFlight, MAX_IDEMPOTENT_IN_FLIGHT } from './producerDefaults.js';
import type { ConsumeConfig, ProduceConfig, RunConfig } from './runConfig.js';

/** The client command's flags as parsed, before validation. Absent = not given. */
export interface ClientFlags {
  topic?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  credentials?: string;
  consumerGroupPrefix?: string;
  servers?: string;
  securityProtocol?: string;
  saslMechanism?: string;
  numMessages?: number;
  replicationFactor?: number;
  numPartitions?: number;
  producer?: boolean;
  consumer?: boolean;
  cafilePath?: string;
  certfilePath?: string;
  keyfilePath?: string;
  verifyHostname?: boolean;
  mongoUri?: string;
  origin?: string;
  duration?: string;
  idleTimeout?: string;
  timeout?: string;
  logMessages?: boolean;
  verify?: boolean;
  json?: boolean;
  format?: string;
  recordSize?: number;
  payload?: string;
  throughput?: number;
  acks?: string;
  batchSize?: number;
  maxInFlight?: number;
  compression?: string;
  idempotent?: boolean;
  deliveryTimeout?: string;
  autoOffsetReset?: string;
  isolationLevel?: string;
  warmup?: string;
  workers?: number;
  engine?: string;
  hdrOut?: string;
  logFile?: string;
  progressInterval?: string;
  partitionAssignmentStrategy?: string;
}

export interface ConfigEnvironment {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
  /** Reads `--credentials -`. */
  readStdin: () => string;
  notice: (line: string) => void;
}

export const defaultEnvironment: ConfigEnvironment = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
  notice: (line) => process.stderr.write(`ktc: ${line}\n`),
};

export const DEFAULT_TOPIC = 'hot-topic';
export const DEFAULT_NUM_MESSAGES = 15;
export const SMALL_RUN = 100;
export const AUTO_WORKERS_ABOVE = 10_000;
/** Java's delivery.timeout.ms default. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
export { MAX_IDEMPOTENT_IN_FLIGHT } from './producerDefaults.js';

/** client.py's origin label: "<hostname> (<ip>)". */
export function defaultOrigin(): string {
  const host = hostname();
  const ip = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  return `${host} (${ip ?? '127.0.0.1'})`;
}

function positiveInt(flag: string, value: number | undefined, what = 'a positive integer'): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be ${what}, got ${value}`);
  return value;
}

export function parseServers(text: string): string[] {
  const servers = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new UsageError('no bootstrap servers: pass -s/--servers host:port[,host:port...] or --credentials');
  for (const server of servers) {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(server);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new UsageError(`"${server}" in -s/--servers is not host:port (e.g. 10.1.2.3:9092)`);
    }
  }
  return servers;
}

function readPem(flag: string, path: string, env: ConfigEnvironment): string {
  try {
    return env.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : code === 'EISDIR' ? 'is a directory, not a file' : errorMessage(err);
    throw new UsageError(`${flag} ${path} ${why}`);
  }
}

function checkCertificate(flag: string, path: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new UsageError(`${flag} ${path} holds no PEM certificate`);
  }
}

function resolveTls(protocol: SecurityProtocol, flags: ClientFlags, creds: Credentials | undefined, env: ConfigEnvironment): TlsSettings | undefined {
  if (!usesTls(protocol)) return undefined;
  const caPath = flags.cafilePath ?? creds?.caFile;
  const certPath = flags.certfilePath ?? creds?.certFile;
  const keyPath = flags.keyfilePath ?? creds?.keyFile;
  let ca: string | undefined;
  if (caPath) {
    ca = readPem('--cafile-path', caPath, env);
    checkCertificate('--cafile-path', caPath, ca);
  } else if (creds?.tlsCa) {
    ca = creds.tlsCa;
  }
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new UsageError('a client certificate needs both --certfile-path and --keyfile-path');
  }
  if (protocol === 'SSL' && !certPath) {
    throw new UsageError('SSL (mTLS) authenticates with a client certificate: pass --certfile-path and --keyfile-path');
  }
  const tls: TlsSettings = { verifyHostname: flags.verifyHostname ?? true, ...(ca ? { ca } : {}) };
  if (certPath && keyPath) {
    const cert = readPem('--certfile-path', certPath, env);
    const key = readPem('--keyfile-path', keyPath, env);
    const x509 = checkCertificate('--certfile-path', certPath, cert);
    let matches: boolean;
    try {
      matches = x509.checkPrivateKey(createPrivateKey(key));
    } catch {
      throw new UsageError(`--keyfile-path ${keyPath} holds no readable unencrypted PEM private key`);
    }
    if (!matches) throw new UsageError(`the key in --keyfile-path ${keyPath} does not belong to the certificate in --certfile-path ${certPath}`);
    tls.cert = cert;
    tls.key = key;
  }
  return tls;
}

/** The CN of the client certificate: the principal an mTLS listener maps it to. */
function certificateCommonName(pem: string | undefined): string | undefined {
  if (!pem) return undefined;
  return /CN=([^,\n]+)/.exec(new X509Certificate(pem).subject)?.[1];
}

function resolvePassword(flags: ClientFlags, creds: Credentials | undefined, env: ConfigEnvironment): string | undefined {
  if (flags.password !== undefined) return flags.password;
  if (flags.passwordFile !== undefined) {
    let text: string;
    try {
      text = env.readFile(flags.passwordFile);
    } catch (err) {
      throw new UsageError(`--password-file ${flags.passwordFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
    }
    return text.replace(/\r?\n$/, '');
  }
  if (env.env.KTC_PASSWORD) return env.env.KTC_PASSWORD;
  return creds?.password;
}

function loadCredentials(flags: ClientFlags, env: ConfigEnvironment): Credentials | undefined {
  if (flags.credentials === undefined) return undefined;
  const source = flags.credentials === '-' ? 'standard input' : flags.credentials;
  let text: string;
  try {
    text = flags.credentials === '-' ? env.readStdin() : env.readFile(flags.credentials);
  } catch (err) {
    throw new UsageError(`--credentials ${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
  }
  return parseCredentials(text, `--credentials ${source}`);
}

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const upper = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!upper) throw new UsageError(`${flag} ${value} is not one of ${allowed.join(', ')}`);
  return upper;
}

function assignorsOf(flags: ClientFlags): AssignorName[] {
  if (flags.partitionAssignmentStrategy === undefined) return [...DEFAULT_ASSIGNORS];
  try {
    return parseAssignors(flags.partitionAssignmentStrategy);
  } catch (err) {
    throw new UsageError(`--partition-assignment-strategy ${errorMessage(err)}`);
  }
}

function engineOf(flags: ClientFlags): EngineName {
  return choice('--engine', flags.engine, ENGINES, 'wire');
}

function producerConfig(flags: ClientFlags, env: ConfigEnvironment): ProduceConfig {
  const durationMs = flags.duration !== undefined ? parseDuration('duration', flags.duration) : undefined;
  const numMessages = positiveInt('-n/--num-messages', flags.numMessages) ?? (durationMs !== undefined ? Infinity : DEFAULT_NUM_MESSAGES);
  const origin = flags.origin ?? defaultOrigin();
  const recordSize = positiveInt('--record-size', flags.recordSize);
  let payload = choice<PayloadFormat>('--payload', flags.payload, ['json', 'binary'], 'json');
  if (recordSize !== undefined) {
    const needed = minJsonRecordSize(origin, Number.isFinite(numMessages) ? numMessages : 1e12);
    if (payload === 'json' && recordSize < needed) {
      if (flags.payload !== undefined) throw new UsageError(`--record-size ${recordSize} is too small for the JSON payload (needs ${needed} bytes with this --origin): use --payload binary`);
      payload = 'binary';
      env.notice(`${recordSize}-byte records are too small for client.py's JSON (${needed} bytes): sending ktc's compact binary records, which ktc's consumer reads and client.py's would not`);
    }
    if (payload === 'binary' && recordSize < BINARY_HEADER_SIZE) {
      throw new UsageError(`--record-size must be at least ${BINARY_HEADER_SIZE} bytes (ktc's message header)`);
    }
  }
  const throughput = flags.throughput ?? -1;
  if (!Number.isFinite(throughput) || throughput === 0 || (throughput < 0 && throughput !== -1)) {
    throw new UsageError(`--throughput must be a positive number of messages per second, or -1 for as fast as possible`);
  }
  const acks = choice('--acks', flags.acks, ['all', '-1', '1', '0'] as const, 'all');
  const acksAll = acks === 'all' || acks === '-1';
  // As in the Java client since Kafka 3.0: idempotent unless asked otherwise, or unless acks is not all.
  const idempotent = flags.idempotent ?? acksAll;
  const engine = engineOf(flags);
  // The wire producer sends about a million small messages/s from one thread; the kafkajs one is CPU-bound near
  // 150k, so big kafkajs runs use every core by default.
  const big = numMessages > AUTO_WORKERS_ABOVE || durationMs !== undefined;
  const autoWorkers = engine === 'kafkajs' && big && !flags.logMessages ? Math.min(4, availableParallelism()) : 1;
  const workers = positiveInt('--workers', flags.workers) ?? autoWorkers;
  if (workers > 1 && flags.logMessages) throw new UsageError('--log-messages needs a single producer: drop --workers');
  if (idempotent && !acksAll) throw new UsageError('--idempotent needs --acks all (or drop --idempotent: with --acks 0 or 1 the producer is not idempotent)');
  const maxInFlight = positiveInt('--max-in-flight', flags.maxInFlight) ?? defaultMaxInFlight(idempotent);
  if (idempotent && maxInFlight > MAX_IDEMPOTENT_IN_FLIGHT) {
    throw new UsageError(`--max-in-flight ${maxInFlight} is more than an idempotent producer can keep in order (at most ${MAX_IDEMPOTENT_IN_FLIGHT}): lower it, or pass --no-idempotent`);
  }
  const deliveryTimeoutMs = flags.deliveryTimeout !== undefined ? parseDuration('delivery-timeout', flags.deliveryTimeout) : DEFAULT_DELIVERY_TIMEOUT_MS;
  return {
    numMessages,
    ...(durationMs !== undefined ? { durationMs } : {}),
    warmupMs: flags.warmup !== undefined ? parseDuration('warmup', flags.warmup) : 0,
    ...(recordSize !== undefined ? { recordSize } : {}),
    payload,
    throughput,
    acks: acks === 'all' ? -1 : (Number(acks) as -1 | 0 | 1),
    ...(flags.batchSize !== undefined ? { batchSize: positiveInt('--batch-size', flags.batchSize)! } : {}),
    // Measured in bench/results/*-peers.md: with one send in flight the client and the broker take turns idling.
    maxInFlight,
    compression: choice('--compression', flags.compression, CODECS, 'none'),
    idempotent,
    deliveryTimeoutMs,
    origin,
    ...(flags.numPartitions !== undefined ? { partitions: positiveInt('--num-partitions', flags.numPartitions, 'at least 1')! } : {}),
    ...(flags.replicationFactor !== undefined ? { replicationFactor: positiveInt('-r/--replication-factor', flags.replicationFactor, 'at least 1')! } : {}),
    workers,
  };
}

/** Validates the flags (plus environment and credentials file) into one RunConfig. */
export function buildRunConfig(flags: ClientFlags, env: ConfigEnvironment = defaultEnvironment): RunConfig {
  if (flags.mongoUri !== undefined) {
    throw new UsageError('--mongo-uri is not supported yet: ktc verifies delivery itself (see --verify); drop the flag or use client.py for MongoDB');
  }
  if (!flags.producer && !flags.consumer) {
    throw new UsageError('say what to run: --producer, --consumer, or both (see ktc --help)');
  }
  const creds = loadCredentials(flags, env);
  const serversText = flags.servers ?? creds?.endpoints;
  if (!serversText) throw new UsageError('no bootstrap servers: pass -s/--servers host:port[,host:port...] or --credentials');
  const brokers = parseServers(serversText);
  const protocol = choice<SecurityProtocol>(
    '-x/--security-protocol',
    flags.securityProtocol ?? creds?.securityProtocol ?? (creds?.tls ? 'SASL_SSL' : undefined),
    SECURITY_PROTOCOLS,
    'SASL_PLAINTEXT',
  );
  const mechanism = choice<SaslMechanism>('--sasl-mechanism', flags.saslMechanism, SASL_MECHANISMS, 'SCRAM-SHA-512');
  const username = flags.username ?? creds?.username;
  const password = resolvePassword(flags, creds, env);
  if (usesSasl(protocol)) {
    if (!username) throw new UsageError(`${protocol} needs a username: pass -u/--username or --credentials`);
    if (password === undefined) throw new UsageError(`${protocol} needs a password: pass --password-file, set KTC_PASSWORD, use --credentials, or -p`);
  }
  const tls = resolveTls(protocol, flags, creds, env);
  const timeoutMs = flags.timeout !== undefined ? parseDuration('timeout', flags.timeout) : 30_000;
  const topic = flags.topic ?? creds?.topic ?? DEFAULT_TOPIC;
  if (topic.length === 0) throw new UsageError('-t/--topic must not be empty');

  const produce = flags.producer ? producerConfig(flags, env) : undefined;
  const assignors = assignorsOf(flags);
  let consume: ConsumeConfig | undefined;
  if (flags.consumer) {
    const principal = usesSasl(protocol) ? username : certificateCommonName(tls?.cert);
    const prefix = flags.consumerGroupPrefix ?? creds?.consumerGroupPrefix ?? (principal ? `${principal}-` : 'ktc-');
    const explicitCount = positiveInt('-n/--num-messages', flags.numMessages);
    consume = {
      groupId: `${prefix}1`,
      // With --producer, the consumer stops once it has seen what was produced; alone, -n is its limit.
      ...(!flags.producer && explicitCount !== undefined ? { maxMessages: explicitCount } : {}),
      // With --producer, --duration bounds producing; the consumer then reads until it has seen all of it.
      ...(flags.duration !== undefined && !flags.producer ? { durationMs: parseDuration('duration', flags.duration) } : {}),
      ...(flags.idleTimeout !== undefined ? { idleTimeoutMs: parseDuration('idle-timeout', flags.idleTimeout) } : {}),
      maxWaitMs: 100,
      // client.py reads from the earliest offset; Java's consumer, client.py and kafka-python read uncommitted.
      autoOffsetReset: choice('--auto-offset-reset', flags.autoOffsetReset, ['earliest', 'latest'] as const, 'earliest'),
      isolationLevel: choice('--isolation-level', flags.isolationLevel, ['read_uncommitted', 'read_committed'] as const, 'read_uncommitted'),
      assignors,
    };
  }
  const expected = produce ? produce.numMessages : consume?.maxMessages ?? 0;
  const json = flags.json ?? false;
  const format = choice('--format', flags.format, ['table', 'kafka'] as const, 'table');
  return {
    connection: {
      brokers,
      securityProtocol: protocol,
      ...(usesSasl(protocol) ? { sasl: { mechanism, username: username!, password: password! } } : {}),
      ...(tls ? { tls } : {}),
      clientId: 'ktc',
      timeoutMs,
    },
    topic,
    ...(produce ? { produce } : {}),
    ...(consume ? { consume } : {}),
    output: {
      // Small runs show every message like client.py; big ones show progress instead.
      logMessages: flags.logMessages ?? ((produce?.workers ?? 1) === 1 && !json && (expected === 0 ? !produce && consume?.durationMs === undefined : expected <= SMALL_RUN)),
      json,
      format,
      progressIntervalMs: flags.progressInterval !== undefined ? parseDuration('progress-interval', flags.progressInterval) : 5000,
      ...(flags.hdrOut ? { hdrOut: flags.hdrOut } : {}),
      ...(flags.logFile ? { logFile: flags.logFile } : {}),
    },
    verify: flags.verify ?? Boolean(produce && consume),
    engine: engineOf(flags),
  };
}
