import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { UsageError, errorMessage } from '../errors.js';
import { DEFAULT_ASSIGNORS } from './assignorNames.js';
import type { ClientFlags } from './clientFlags.js';
import { usesSasl, usesTls, type SecurityProtocol, type TlsSettings } from './connection.js';
import { parseCredentials, type Credentials } from './credentialsFile.js';
import { serversProblem, topicNameProblem } from './flagKinds.js';
import { BINARY_HEADER_SIZE, minJsonRecordSize, type PayloadFormat } from './payloadFormat.js';
import { defaultMaxInFlight, MAX_IDEMPOTENT_IN_FLIGHT } from './producerDefaults.js';
import type { ConsumeConfig, MongoConfig, ProduceConfig, RunConfig } from './runConfig.js';

export type { ClientFlags } from './clientFlags.js';

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
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_ENGINE = 'wire';
export { MAX_IDEMPOTENT_IN_FLIGHT } from './producerDefaults.js';

/** client.py's origin label: "<hostname> (<ip>)". */
export function defaultOrigin(): string {
  const host = hostname();
  const ip = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  return `${host} (${ip ?? '127.0.0.1'})`;
}

function readPem(flag: string, path: string, env: ConfigEnvironment): string {
  try {
    return env.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : errorMessage(err);
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

/** --mongo-uri takes acknowledged values from the in-process send loop (worker-thread producers keep theirs), and stores JSON objects. */
function checkMongoProducer(flags: ClientFlags, workers: number, payload: PayloadFormat): void {
  if (flags.mongoUri === undefined) return;
  if (workers > 1) throw new UsageError('--mongo-uri needs a single producer: drop --workers');
  if (payload === 'binary') {
    throw new UsageError('--mongo-uri stores the JSON message as a document: use --payload json (and a --record-size that fits it, or none)');
  }
}

function producerConfig(flags: ClientFlags, env: ConfigEnvironment): ProduceConfig {
  const durationMs = flags.duration;
  const numMessages = flags.numMessages ?? (durationMs !== undefined ? Infinity : DEFAULT_NUM_MESSAGES);
  const origin = flags.origin ?? defaultOrigin();
  const recordSize = flags.recordSize;
  let payload = flags.payload ?? 'json';
  if (recordSize !== undefined) {
    const needed = minJsonRecordSize(origin, Number.isFinite(numMessages) ? numMessages : 1e12);
    if (payload === 'json' && recordSize < needed) {
      if (flags.payload !== undefined)
        throw new UsageError(`--record-size ${recordSize} is too small for the JSON payload (needs ${needed} bytes with this --origin): use --payload binary`);
      payload = 'binary';
      env.notice(
        `${recordSize}-byte records are too small for client.py's JSON (${needed} bytes): sending ktc's compact binary records, which ktc's consumer reads and client.py's would not`,
      );
    }
    if (payload === 'binary' && recordSize < BINARY_HEADER_SIZE) {
      throw new UsageError(`--record-size ${recordSize} is too small: ktc's binary records need at least ${BINARY_HEADER_SIZE} bytes (its message header)`);
    }
  }
  const acks = flags.acks ?? 'all';
  const acksAll = acks === 'all' || acks === '-1';
  // As in the Java client since Kafka 3.0: idempotent unless asked otherwise, or unless acks is not all.
  const idempotent = flags.idempotent ?? acksAll;
  const engine = flags.engine ?? DEFAULT_ENGINE;
  // The wire producer sends about a million small messages/s from one thread; the kafkajs one is CPU-bound near
  // 150k, so big kafkajs runs use every core by default.
  const big = numMessages > AUTO_WORKERS_ABOVE || durationMs !== undefined;
  const autoWorkers = engine === 'kafkajs' && big && !flags.logMessages && flags.mongoUri === undefined ? Math.min(4, availableParallelism()) : 1;
  const workers = flags.workers ?? autoWorkers;
  if (workers > 1 && flags.logMessages) throw new UsageError('--log-messages needs a single producer: drop --workers');
  checkMongoProducer(flags, workers, payload);
  if (idempotent && !acksAll) throw new UsageError('--idempotent needs --acks all (or drop --idempotent: with --acks 0 or 1 the producer is not idempotent)');
  const maxInFlight = flags.maxInFlight ?? defaultMaxInFlight(idempotent);
  if (idempotent && maxInFlight > MAX_IDEMPOTENT_IN_FLIGHT) {
    throw new UsageError(
      `--max-in-flight ${maxInFlight} is more than an idempotent producer can keep in order (at most ${MAX_IDEMPOTENT_IN_FLIGHT}): lower it, or pass --no-idempotent`,
    );
  }
  return {
    numMessages,
    ...(durationMs !== undefined ? { durationMs } : {}),
    warmupMs: flags.warmup ?? 0,
    ...(recordSize !== undefined ? { recordSize } : {}),
    payload,
    throughput: flags.throughput ?? -1,
    acks: acks === 'all' ? -1 : (Number(acks) as -1 | 0 | 1),
    ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
    // Measured in bench/results/*-peers.md: with one send in flight the client and the broker take turns idling.
    maxInFlight,
    compression: flags.compression ?? 'none',
    idempotent,
    deliveryTimeoutMs: flags.deliveryTimeout ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    origin,
    ...(flags.numPartitions !== undefined ? { partitions: flags.numPartitions } : {}),
    ...(flags.replicationFactor !== undefined ? { replicationFactor: flags.replicationFactor } : {}),
    workers,
  };
}

/** The bootstrap servers from the flags, or else from the credentials file (checked by the same rule). */
function brokersOf(flags: ClientFlags, creds: Credentials | undefined, credsSource: string): string[] {
  if (flags.servers) return flags.servers;
  if (!creds?.endpoints) throw new UsageError('no bootstrap servers: pass -s/--servers host:port[,host:port...] or --credentials');
  const problem = serversProblem(creds.endpoints);
  if (problem) throw new UsageError(`${credsSource}: endpoints ${creds.endpoints} ${problem}`);
  return creds.endpoints.split(',').map((s) => s.trim());
}

/** The topic from the flags, or else from the credentials file (checked by the same rule), or the default. */
function topicOf(flags: ClientFlags, creds: Credentials | undefined, credsSource: string): string {
  if (flags.topic !== undefined) return flags.topic;
  if (creds?.topic === undefined) return DEFAULT_TOPIC;
  const problem = topicNameProblem(creds.topic);
  if (problem) throw new UsageError(`${credsSource}: topic "${creds.topic}" ${problem}`);
  return creds.topic;
}

function mongoConfig(uri: string, origin: string | undefined): MongoConfig {
  if (uri.trim() === '') throw new UsageError('--mongo-uri is empty: pass a MongoDB connection string (e.g. mongodb://127.0.0.1:27017/)');
  return { uri, origin: origin ?? defaultOrigin() };
}

/**
 * Builds one RunConfig from flags that were each checked on their own
 * (readClientFlags), the environment and the credentials file: checks what
 * depends on several of them and reads the files the run needs.
 */
export function buildRunConfig(flags: ClientFlags, env: ConfigEnvironment = defaultEnvironment): RunConfig {
  if (!flags.producer && !flags.consumer) {
    throw new UsageError('say what to run: --producer, --consumer, or both (see ktc --help)');
  }
  const creds = loadCredentials(flags, env);
  const credsSource = `--credentials ${flags.credentials === '-' ? 'standard input' : String(flags.credentials)}`;
  const brokers = brokersOf(flags, creds, credsSource);
  const protocol: SecurityProtocol = flags.securityProtocol ?? creds?.securityProtocol ?? (creds?.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT');
  const mechanism = flags.saslMechanism ?? 'SCRAM-SHA-512';
  const username = flags.username ?? creds?.username;
  const password = resolvePassword(flags, creds, env);
  if (usesSasl(protocol)) {
    if (!username) throw new UsageError(`${protocol} needs a username: pass -u/--username or --credentials`);
    if (password === undefined) throw new UsageError(`${protocol} needs a password: pass --password-file, set KTC_PASSWORD, use --credentials, or -p`);
  }
  const tls = resolveTls(protocol, flags, creds, env);
  const topic = topicOf(flags, creds, credsSource);

  const produce = flags.producer ? producerConfig(flags, env) : undefined;
  let consume: ConsumeConfig | undefined;
  if (flags.consumer) {
    const principal = usesSasl(protocol) ? username : certificateCommonName(tls?.cert);
    const prefix = flags.consumerGroupPrefix ?? creds?.consumerGroupPrefix ?? (principal ? `${principal}-` : 'ktc-');
    consume = {
      groupId: `${prefix}1`,
      // With --producer, the consumer stops once it has seen what was produced; alone, -n is its limit.
      ...(!flags.producer && flags.numMessages !== undefined ? { maxMessages: flags.numMessages } : {}),
      // With --producer, --duration bounds producing; the consumer then reads until it has seen all of it.
      ...(flags.duration !== undefined && !flags.producer ? { durationMs: flags.duration } : {}),
      ...(flags.idleTimeout !== undefined ? { idleTimeoutMs: flags.idleTimeout } : {}),
      maxWaitMs: 100,
      // client.py reads from the earliest offset; Java's consumer, client.py and kafka-python read uncommitted.
      autoOffsetReset: flags.autoOffsetReset ?? 'earliest',
      isolationLevel: flags.isolationLevel ?? 'read_uncommitted',
      assignors: flags.partitionAssignmentStrategy ?? [...DEFAULT_ASSIGNORS],
    };
  }
  const expected = produce ? produce.numMessages : (consume?.maxMessages ?? 0);
  const json = flags.json ?? false;
  return {
    connection: {
      brokers,
      securityProtocol: protocol,
      ...(usesSasl(protocol) && username && password !== undefined ? { sasl: { mechanism, username, password } } : {}),
      ...(tls ? { tls } : {}),
      clientId: 'ktc',
      timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS,
    },
    topic,
    ...(produce ? { produce } : {}),
    ...(consume ? { consume } : {}),
    output: {
      // Small runs show every message like client.py; big ones show progress instead.
      logMessages:
        flags.logMessages ??
        ((produce?.workers ?? 1) === 1 && !json && (expected === 0 ? !produce && consume?.durationMs === undefined : expected <= SMALL_RUN)),
      json,
      format: flags.format ?? 'table',
      progressIntervalMs: flags.progressInterval ?? 5000,
      ...(flags.hdrOut ? { hdrOut: flags.hdrOut } : {}),
      ...(flags.html ? { html: flags.html } : {}),
      ...(flags.logFile ? { logFile: flags.logFile } : {}),
    },
    // A worker of a distributed run consumes only its group's share: `ktc results` verifies across workers.
    verify: flags.verify ?? (Boolean(produce && consume) && flags.runId === undefined),
    engine: flags.engine ?? DEFAULT_ENGINE,
    ...(flags.mongoUri !== undefined ? { mongo: mongoConfig(flags.mongoUri, produce?.origin ?? flags.origin) } : {}),
  };
}
