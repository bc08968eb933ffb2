import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../../src/config/connection.js';
import { decodeAssignment, type TopicPartitions } from '../../src/engine/groupAssignors.js';
import { createKafka } from '../../src/engine/kafkajsClient.js';
import { defaultCacheDir, endpoints } from '../../src/local/layout.js';
import { resolveKafkaJars } from '../../src/local/mavenJars.js';
import { USER_NAMES, type SaslRole } from '../../src/local/users.js';
import { saslConnection, type TestCluster } from './testCluster.js';
import { defined, present } from '../../src/defined.js';

/**
 * Apache Kafka's own Java tools (console consumer and producer), run from the jars `ktc local` cached, against
 * the test cluster as one of its SASL users (SASL_PLAINTEXT, SCRAM-SHA-512). Tests use them as the reference
 * client: what a Java consumer reads, what a Java producer writes, a Java member of a consumer group.
 *
 *   const java = await JavaTools.forCluster(testCluster());
 *   const consumer = java.consoleConsumer({ topic, group, fromBeginning: true, print: { partition: true } });
 *   await consumer.joined();             // a member of the group, which is stable
 *   ...
 *   consumer.kill();                     // SIGKILL: leaves the group only when its session times out
 *   java.close();                        // kills what is still running, removes the properties file
 */

/** How a finished tool ended, with everything it printed. */
export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running Java tool: its output so far, and ways to end it. */
export class JavaTool {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process has exited (never rejects). */
  readonly done: Promise<ToolResult>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    /** The tool is killed (SIGKILL) if it still runs after this long. */
    hardTimeoutMs: number,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    present(this.child.stdout).on('data', (c: Buffer) => (this.stdout += c.toString()));
    present(this.child.stderr).on('data', (c: Buffer) => (this.stderr += c.toString()));
    present(this.child.stdin).on('error', () => undefined); // a tool that exits early closes its stdin
    const timer = setTimeout(() => this.kill(), hardTimeoutMs);
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, as `kill -9`: no shutdown hook runs, a consumer does not leave its group. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** SIGTERM: the tool's shutdown hook runs (a consumer commits and leaves its group). */
  stop(): void {
    if (this.running) this.child.kill('SIGTERM');
  }

  wait(): Promise<ToolResult> {
    return this.done;
  }

  /** Resolves once stdout matches; rejects with the output when the tool exits first or timeoutMs passes. */
  async waitForOutput(predicate: (stdout: string) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.stdout)) {
      if (!this.running) throw new Error(`${this.name} exited (${String(this.child.exitCode ?? this.child.signalCode)}) first;\n${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: output never matched within ${timeoutMs} ms;\n${this.describe()}`);
      await sleep(100);
    }
  }

  describe(): string {
    return `stdout:\n${this.stdout.slice(-4000)}\nstderr:\n${this.stderr.slice(-4000)}`;
  }
}

/** What the console consumer prints per record besides the value (DefaultMessageFormatter's print.* flags). */
export interface PrintOptions {
  key?: boolean;
  headers?: boolean;
  partition?: boolean;
  offset?: boolean;
  timestamp?: boolean;
}

export interface ConsoleConsumerOptions {
  topic: string;
  /** Absent: the tool makes up a group (console-consumer-NNNNN). */
  group?: string;
  /** auto.offset.reset=earliest for partitions without a committed offset (the tool's default is latest). */
  fromBeginning?: boolean;
  /** Exit after this many records. */
  maxMessages?: number;
  /** Exit after this long without a record (--timeout-ms). */
  idleTimeoutMs?: number;
  /** Extra consumer configs, e.g. { 'session.timeout.ms': '10000', 'partition.assignment.strategy': '...' }. */
  consumerProperties?: Record<string, string>;
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  print?: PrintOptions;
  /** Killed (SIGKILL) if still running after this long [default: 120 s]. */
  hardTimeoutMs?: number;
}

/** One record as the console consumer printed it; fields not printed are absent. Null key/value: null. */
export interface ConsoleRecord {
  partition?: number;
  offset?: number;
  timestamp?: number;
  headers?: Array<[string, string | null]>;
  key?: string | null;
  value: string | null;
}

// Control characters as separators and null marker: record values (JSON, text) never hold them, and unlike NUL
// they can be passed in a command line.
const FIELD = '\u001f';
const HEADER = '\u001e';
const NULL = '\u0002null\u0003';
const NULL_PRINTED = '<<null>>';

/** The Java console consumer, with its printed records parsed. */
export class ConsoleConsumer extends JavaTool {
  constructor(
    private readonly tools: JavaTools,
    readonly options: ConsoleConsumerOptions,
    readonly clientId: string,
    command: string,
    args: string[],
  ) {
    super(`console consumer ${clientId}`, command, args, options.hardTimeoutMs ?? 120_000);
  }

  /** The records printed so far. */
  records(): ConsoleRecord[] {
    const print = this.options.print ?? {};
    // Only whole lines: while the consumer runs, the last line may be half printed (a cut value is not JSON).
    return this.stdout
      .slice(0, this.stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const fields = line.split(FIELD);
        const record: ConsoleRecord = { value: null };
        let i = 0;
        if (print.timestamp) record.timestamp = Number(defined(fields[i++]).replace(/^\w+Time:/, ''));
        if (print.partition) record.partition = Number(defined(fields[i++]).replace(/^Partition:/, ''));
        if (print.offset) record.offset = Number(defined(fields[i++]).replace(/^Offset:/, ''));
        if (print.headers) {
          const text = defined(fields[i++]);
          record.headers =
            text === 'NO_HEADERS'
              ? []
              : text.split(HEADER).map((h) => {
                  const colon = h.indexOf(':');
                  const value = h.slice(colon + 1);
                  return [h.slice(0, colon), value === NULL_PRINTED ? null : value];
                });
        }
        if (print.key) {
          const key = defined(fields[i++]);
          record.key = key === NULL_PRINTED ? null : key;
        }
        const value = fields.slice(i).join(FIELD);
        record.value = value === NULL_PRINTED ? null : value;
        return record;
      });
  }

  /** Resolves once at least n records were printed. */
  async waitForRecords(n: number, timeoutMs = 60_000): Promise<ConsoleRecord[]> {
    await this.waitForOutput(() => this.records().length >= n, timeoutMs);
    return this.records();
  }

  /**
   * Resolves once the group is stable with this consumer as a member (its assignment delivered), read with
   * kafkajs' describeGroups as the cluster's admin. Needs options.group.
   */
  async joined(timeoutMs = 60_000): Promise<GroupView> {
    const group = this.options.group;
    if (!group) throw new Error('joined() needs a consumer started with a group');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited before joining ${group};\n${this.describe()}`);
      const view = await describeGroup(this.tools.admin, group);
      if (view.state === 'Stable' && view.members.some((m) => m.clientId === this.clientId)) return view;
      if (Date.now() > deadline) throw new Error(`${this.name} did not join ${group} within ${timeoutMs} ms (group ${view.state});\n${this.describe()}`);
      await sleep(250);
    }
  }
}

export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** A record for the console producer. Keys, values and header values may be null; no field may hold a newline. */
export interface ProducerRecord {
  key?: string | null;
  value: string | null;
  headers?: Array<[string, string | null]>;
}

export interface ConsoleProducerOptions {
  topic: string;
  compression?: CompressionCodec;
  /**
   * Written to the tool's stdin, one line each, then stdin is closed (the tool flushes and exits). The tool
   * cannot read a line without headers once it parses headers: give every record a header, or none.
   */
  records?: ProducerRecord[];
  /** Lines carry headers (parse.headers=true) [default: whether the records have headers]. */
  withHeaders?: boolean;
  /** Extra producer configs, e.g. { 'linger.ms': '0', 'enable.idempotence': 'false' }. */
  producerProperties?: Record<string, string>;
  /** Send each record synchronously (--sync). */
  sync?: boolean;
  /** Killed (SIGKILL) if still running after this long [default: 120 s]. */
  hardTimeoutMs?: number;
}

/** A group as describeGroups reports it, each member's assignment decoded (ConsumerProtocol). */
export interface GroupView {
  state: string;
  protocol: string;
  members: Array<{ memberId: string; clientId: string; partitions: TopicPartitions[] }>;
}

/** Describes a consumer group with kafkajs' admin client. */
export async function describeGroup(connection: ConnectionConfig, groupId: string): Promise<GroupView> {
  const admin = createKafka(connection).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const g = defined(groups[0]);
    return {
      state: g.state,
      protocol: g.protocol,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        partitions: m.memberAssignment.length > 0 ? decodeAssignment(m.memberAssignment).partitions : [],
      })),
    };
  } finally {
    await admin.disconnect();
  }
}

/** Polls describeGroup until predicate holds; rejects with the last view after timeoutMs. */
export async function waitForGroup(
  connection: ConnectionConfig,
  groupId: string,
  predicate: (g: GroupView) => boolean,
  timeoutMs = 60_000,
): Promise<GroupView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await describeGroup(connection, groupId);
    if (predicate(view)) return view;
    if (Date.now() > deadline) throw new Error(`group ${groupId} never reached the expected state: ${JSON.stringify(view)}`);
    await sleep(250);
  }
}

/** Every tool a JavaTools started and that may still run, for close(). */
type Started = Set<JavaTool>;

/** Starts Kafka's Java tools against the test cluster as one SASL user. */
export class JavaTools {
  private readonly started: Started = new Set();

  private constructor(
    private readonly libsDir: string,
    private readonly workDir: string,
    /** The cluster's admin connection (for describeGroups), whatever role the tools use. */
    readonly admin: ConnectionConfig,
    /** host:port,... of the SASL_PLAINTEXT listeners. */
    readonly bootstrap: string,
  ) {}

  /**
   * Tools for the cluster's Kafka version (jars from ~/.cache/ktc, fetched with Maven if missing), connecting
   * as role (default admin, a super user).
   */
  static async forCluster(cluster: TestCluster, role: SaslRole = 'admin'): Promise<JavaTools> {
    const libsDir = await resolveKafkaJars(cluster.state.kafkaVersion, defaultCacheDir(), () => undefined);
    const workDir = mkdtempSync(join(tmpdir(), 'ktc-java-tools-'));
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${USER_NAMES[role]}" password="${cluster.passwords[role]}";`;
    writeFileSync(
      join(workDir, 'client.properties'),
      ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-512', `sasl.jaas.config=${jaas}`, ''].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(
      join(workDir, 'log4j2.properties'),
      [
        'rootLogger.level = WARN',
        'rootLogger.appenderRef.stderr.ref = STDERR',
        'appender.stderr.type = Console',
        'appender.stderr.name = STDERR',
        'appender.stderr.target = SYSTEM_ERR',
        'appender.stderr.layout.type = PatternLayout',
        'appender.stderr.layout.pattern = [%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    );
    return new JavaTools(libsDir, workDir, saslConnection(cluster, 'admin'), endpoints(cluster.state, 'SASL_PLAINTEXT'));
  }

  /** The SASL client settings the tools use (a Java properties file; it holds the password, close() removes it). */
  get clientProperties(): string {
    return join(this.workDir, 'client.properties');
  }

  /**
   * Compiles a Java test program (one source file) against the Kafka client and its codecs, into a directory
   * that close() removes; pass it to program(). javac over the client alone: all 50-odd broker jars take longer.
   */
  async compile(sourceFile: string): Promise<string> {
    const classes = mkdtempSync(join(this.workDir, 'classes-'));
    const classpath = readdirSync(this.libsDir)
      .filter((jar) => /^(kafka-clients|slf4j-api)-.*\.jar$/.test(jar))
      .map((jar) => join(this.libsDir, jar))
      .join(':');
    const tool = this.track(new JavaTool(`javac ${sourceFile}`, 'javac', ['-d', classes, '-cp', classpath, sourceFile], 120_000));
    const result = await tool.wait();
    if (result.code !== 0) throw new Error(`javac exited ${String(result.code ?? result.signal)};\n${tool.describe()}`);
    return classes;
  }

  /** Runs a compiled test program's main class with every Kafka jar on its classpath. */
  program(classesDir: string, mainClass: string, args: string[], hardTimeoutMs = 120_000): JavaTool {
    const java = this.javaArgs(mainClass);
    const cp = java.indexOf('-cp') + 1;
    java[cp] = `${classesDir}:${String(java[cp])}`;
    return this.track(new JavaTool(mainClass, 'java', [...java, ...args], hardTimeoutMs));
  }

  /** The java command line for a tool's main class: small heap, quick start (the machine is shared). */
  private javaArgs(mainClass: string): string[] {
    return [
      '-Xms32m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(this.workDir, 'log4j2.properties')}`,
      '-cp',
      `${this.libsDir}/*`,
      mainClass,
    ];
  }

  private track<T extends JavaTool>(tool: T): T {
    this.started.add(tool);
    void tool.done.then(() => this.started.delete(tool));
    return tool;
  }

  /**
   * Starts org.apache.kafka.tools.consumer.ConsoleConsumer. Its client.id is unique (consumer.clientId) unless
   * consumerProperties sets one; records() parses what it printed according to options.print.
   */
  consoleConsumer(options: ConsoleConsumerOptions): ConsoleConsumer {
    const clientId = options.consumerProperties?.['client.id'] ?? `java-console-consumer-${randomBytes(4).toString('hex')}`;
    const properties = { 'client.id': clientId, ...options.consumerProperties };
    const print = options.print ?? {};
    const args = [
      ...this.javaArgs('org.apache.kafka.tools.consumer.ConsoleConsumer'),
      '--bootstrap-server',
      this.bootstrap,
      '--consumer.config',
      join(this.workDir, 'client.properties'),
      '--topic',
      options.topic,
      ...(options.group ? ['--group', options.group] : []),
      ...(options.fromBeginning ? ['--from-beginning'] : []),
      ...(options.maxMessages !== undefined ? ['--max-messages', String(options.maxMessages)] : []),
      ...(options.idleTimeoutMs !== undefined ? ['--timeout-ms', String(options.idleTimeoutMs)] : []),
      ...(options.isolationLevel ? ['--isolation-level', options.isolationLevel] : []),
      ...Object.entries(properties).flatMap(([k, v]) => ['--consumer-property', `${k}=${v}`]),
      ...Object.entries({
        'print.key': print.key,
        'print.headers': print.headers,
        'print.partition': print.partition,
        'print.offset': print.offset,
        'print.timestamp': print.timestamp,
      }).flatMap(([k, v]) => ['--property', `${k}=${String(v === true)}`]),
      '--property',
      `key.separator=${FIELD}`,
      '--property',
      `headers.separator=${HEADER}`,
      '--property',
      `null.literal=${NULL_PRINTED}`,
    ];
    return this.track(new ConsoleConsumer(this, options, clientId, 'java', args));
  }

  /**
   * Starts org.apache.kafka.tools.ConsoleProducer with parse.key / parse.headers / null.marker set as the
   * records need. With options.records, writes them and closes stdin; otherwise write lines with
   * producerLine() to tool.child.stdin yourself.
   */
  consoleProducer(options: ConsoleProducerOptions): JavaTool {
    const records = options.records ?? [];
    const withHeaders = options.withHeaders ?? records.some((r) => r.headers?.length);
    if (withHeaders && records.some((r) => !r.headers?.length)) {
      throw new Error('the console producer reads no line without headers once some carry headers: give each record a header, or produce in two runs');
    }
    const args = [
      ...this.javaArgs('org.apache.kafka.tools.ConsoleProducer'),
      '--bootstrap-server',
      this.bootstrap,
      '--producer.config',
      join(this.workDir, 'client.properties'),
      '--topic',
      options.topic,
      ...(options.compression ? ['--compression-codec', options.compression] : []),
      ...(options.sync ? ['--sync'] : []),
      ...Object.entries(options.producerProperties ?? {}).flatMap(([k, v]) => ['--producer-property', `${k}=${v}`]),
      ...producerLineProperties(withHeaders).flatMap((p) => ['--property', p]),
    ];
    const tool = this.track(new JavaTool(`console producer (${options.topic})`, 'java', args, options.hardTimeoutMs ?? 120_000));
    if (options.records) {
      for (const r of records) present(tool.child.stdin).write(`${producerLine(r, withHeaders)}\n`);
      present(tool.child.stdin).end();
    }
    return tool;
  }

  /** Produces records with the console producer and waits for it; rejects with its output unless it exits 0. */
  async produce(options: Omit<ConsoleProducerOptions, 'records'> & { records: ProducerRecord[] }): Promise<ToolResult> {
    const result = await this.consoleProducer(options).wait();
    if (result.code !== 0) throw new Error(`console producer exited ${String(result.code ?? result.signal)};\nstderr:\n${result.stderr.slice(-4000)}`);
    return result;
  }

  /**
   * The record batches in partitions' log files, as Kafka's DumpLogSegments reads them (it decompresses and
   * checks each batch): where they are, their codec, whether they are transactional or markers. One JVM for
   * all of them; each partition is read from the data directory given with it (its leader's: surely complete).
   */
  async logBatches(partitions: Array<{ nodeDataDir: string; topic: string; partition: number }>): Promise<Map<string, LogBatch[]>> {
    const segments = partitions.map(({ nodeDataDir, topic, partition }) => {
      const dir = join(nodeDataDir, `${topic}-${partition}`);
      return readdirSync(dir)
        .filter((f) => f.endsWith('.log'))
        .sort()
        .map((f) => join(dir, f));
    });
    const args = [...this.javaArgs('kafka.tools.DumpLogSegments'), '--files', segments.flat().join(',')];
    const tool = this.track(new JavaTool('DumpLogSegments', 'java', args, 120_000));
    const result = await tool.wait();
    if (result.code !== 0) throw new Error(`DumpLogSegments exited ${String(result.code ?? result.signal)};\n${tool.describe()}`);
    // "Dumping <file>" starts each file's section.
    const byFile = new Map<string, LogBatch[]>();
    for (const section of result.stdout.split(/^Dumping /m).slice(1)) {
      byFile.set(section.slice(0, section.indexOf('\n')).trim(), parseDumpedBatches(section));
    }
    return new Map(
      partitions.map(({ topic, partition }, i) => {
        const files = defined(segments[i]);
        const missing = files.filter((f) => !byFile.has(f));
        if (missing.length) throw new Error(`DumpLogSegments printed nothing for ${missing.join(', ')};\n${tool.describe()}`);
        return [`${topic}-${partition}`, files.flatMap((f) => defined(byFile.get(f)))];
      }),
    );
  }

  /** Kills (SIGKILL) every tool still running and removes the client properties (they hold a password). */
  async close(): Promise<void> {
    const running = [...this.started];
    for (const tool of running) tool.kill();
    await Promise.all(running.map((t) => t.done));
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** LineMessageReader settings: every line carries a key (the null marker for none), and headers if asked. */
function producerLineProperties(withHeaders: boolean): string[] {
  return [
    'parse.key=true',
    `key.separator=${FIELD}`,
    `null.marker=${NULL}`,
    ...(withHeaders ? ['parse.headers=true', `headers.delimiter=${FIELD}`, `headers.separator=${HEADER}`, 'headers.key.separator=:'] : []),
  ];
}

/** One console-producer input line for a record, in the format consoleProducer configures. */
export function producerLine(record: ProducerRecord, withHeaders: boolean): string {
  const text = (s: string | null | undefined) => (s === null || s === undefined ? NULL : s);
  const key = text(record.key);
  const value = text(record.value);
  if (!withHeaders) return `${key}${FIELD}${value}`;
  return [(record.headers ?? []).map(([k, v]) => `${k}:${text(v)}`).join(HEADER), key, value].join(FIELD);
}

/**
 * Creates a topic with kafkajs' admin (the cluster does not create topics on first use), with topic configs
 * such as { 'compression.type': 'zstd' }.
 */
export async function createTopic(
  connection: ConnectionConfig,
  topic: string,
  partitions: number,
  replicationFactor = 3,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = createKafka(connection).admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }] });
    // kafkajs' waitForLeaders gives up when the broker it asks has not learnt of the topic yet: poll instead.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      const ready = found?.topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (ready === partitions) return;
      if (Date.now() > deadline) throw new Error(`topic ${topic}: ${ready} of ${partitions} partitions have a leader after 30 s`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

/** One record batch of a log segment, as DumpLogSegments prints it. */
export interface LogBatch {
  baseOffset: number;
  lastOffset: number;
  count: number;
  /** none, gzip, snappy, lz4 or zstd. */
  codec: string;
  transactional: boolean;
  control: boolean;
  /** DumpLogSegments checked the batch's CRC and it matched. */
  valid: boolean;
}

/** DumpLogSegments' batch lines: "baseOffset: 0 lastOffset: 3 count: 4 ... isTransactional: false isControl: false ... compresscodec: gzip ...". */
export function parseDumpedBatches(stdout: string): LogBatch[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('baseOffset: '))
    .map((line) => {
      const field = (name: string): string => {
        const m = new RegExp(`(?:^| )${name}: (\\S+)`).exec(line);
        if (!m) throw new Error(`no ${name} in DumpLogSegments line: ${line}`);
        return defined(m[1]);
      };
      return {
        baseOffset: Number(field('baseOffset')),
        lastOffset: Number(field('lastOffset')),
        count: Number(field('count')),
        codec: field('compresscodec').toLowerCase(),
        transactional: field('isTransactional') === 'true',
        control: field('isControl') === 'true',
        valid: field('isvalid') === 'true',
      };
    });
}
