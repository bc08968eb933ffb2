import { writeFileSync } from 'node:fs';
import { buildRunConfig, type ClientFlags } from '../config/buildRunConfig.js';
import type { RunConfig } from '../config/runConfig.js';
import { createEngine } from '../engine/createEngine.js';
import { ExitCode } from '../errors.js';
import { ClientRun, type RunObserver } from '../run/clientRun.js';
import { systemClock } from '../run/clock.js';
import type { MessageRecorder } from '../run/messageRecorder.js';
import { openRunRecorder } from '../mongo/mongoRecorder.js';
import type { RunResult } from '../run/runResult.js';
import { kafkaConsumerLines, kafkaProducerFinalLine } from '../report/kafkaFormat.js';
import { logConsumed, logPublished } from '../report/messageLines.js';
import { mongoIncomplete } from '../mongo/mongoResult.js';
import { mongoLines } from '../report/mongoLines.js';
import { Output } from '../report/output.js';
import { liveLine, ProgressWindow } from '../report/progressLines.js';
import { renderSummary } from '../report/summary.js';

type Argv = Record<string, unknown>;

const str = (v: unknown) => (v === undefined ? undefined : String(v));
const num = (v: unknown) => (v === undefined ? undefined : Number(v));
const bool = (v: unknown) => (v === undefined ? undefined : Boolean(v));

/** yargs' parsed arguments to the config layer's input; absent stays absent so defaults live in one place. */
export function flagsFromArgv(a: Argv): ClientFlags {
  const flags: ClientFlags = {
    topic: str(a.topic),
    username: str(a.username),
    password: str(a.password),
    passwordFile: str(a['password-file']),
    credentials: str(a.credentials),
    consumerGroupPrefix: str(a['consumer-group-prefix']),
    servers: str(a.servers),
    securityProtocol: str(a['security-protocol']),
    saslMechanism: str(a['sasl-mechanism']),
    numMessages: num(a['num-messages']),
    replicationFactor: num(a['replication-factor']),
    numPartitions: num(a['num-partitions']),
    producer: bool(a.producer),
    consumer: bool(a.consumer),
    cafilePath: str(a['cafile-path']),
    certfilePath: str(a['certfile-path']),
    keyfilePath: str(a['keyfile-path']),
    verifyHostname: bool(a['verify-hostname']),
    mongoUri: str(a['mongo-uri']),
    origin: str(a.origin),
    duration: str(a.duration),
    idleTimeout: str(a['idle-timeout']),
    timeout: str(a.timeout),
    logMessages: bool(a['log-messages']),
    verify: bool(a.verify),
    json: bool(a.json),
    format: str(a.format),
    recordSize: num(a['record-size']),
    payload: str(a.payload),
    throughput: num(a.throughput),
    acks: str(a.acks),
    batchSize: num(a['batch-size']),
    maxInFlight: num(a['max-in-flight']),
    compression: str(a.compression),
    idempotent: bool(a.idempotent),
    deliveryTimeout: str(a['delivery-timeout']),
    autoOffsetReset: str(a['auto-offset-reset']),
    isolationLevel: str(a['isolation-level']),
    warmup: str(a.warmup),
    workers: num(a.workers),
    engine: str(a.engine),
    hdrOut: str(a['hdr-out']),
    logFile: str(a['log-file']),
    progressInterval: str(a['progress-interval']),
    partitionAssignmentStrategy: str(a['partition-assignment-strategy']),
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as ClientFlags;
}

function observerFor(config: RunConfig, out: Output): RunObserver {
  const window = new ProgressWindow();
  const kafka = config.output.format === 'kafka';
  const quiet = config.output.json;
  return {
    topicReady: (info) => {
      if (!quiet && !kafka) {
        out.log('ktc', `Topic ${info.topic} ${info.created ? 'created' : 'exists'}: ${info.partitions} partition(s), replication factor ${info.replicationFactor}`);
      }
    },
    consumerReady: (groupId) => {
      if (!quiet && !kafka) out.log('ktc', `Consumer joined group ${groupId} on ${config.topic}`);
    },
    published: (topic, batch) => logPublished(out, topic, batch),
    consumed: (topic, partition, offset, value, kind) => logConsumed(out, topic, partition, offset, value, kind),
    ...(config.output.logMessages || quiet
      ? {}
      : {
          progress: (s) => {
            const line = kafka ? window.kafkaLine(s) : window.ktcLine(s);
            if (line) out.line(line);
          },
        }),
    live: (s) => out.live(liveLine(s, config.produce?.numMessages)),
    notice: (text) => out.error(`ktc: ${text}`),
  };
}

function report(result: RunResult, config: RunConfig, out: Output): void {
  out.clearLive();
  if (config.output.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (config.output.format === 'kafka') {
    const producerLine = kafkaProducerFinalLine(result);
    if (producerLine) out.line(producerLine);
    for (const line of kafkaConsumerLines(result)) out.line(line);
    // The Java tools' lines stay parseable; documents that never reached MongoDB still get said.
    if (result.mongo && mongoIncomplete(result.mongo)) for (const line of mongoLines(result.mongo)) out.error(`ktc: ${line.trim()}`);
    return;
  }
  const big = (result.producer?.acked ?? 0) + (result.consumer?.received ?? 0) > 100;
  out.line(renderSummary(result, big && !config.output.logMessages));
}

/** --mongo-uri: its thread connects before anything is produced. */
function openMongo(config: RunConfig, out: Output): Promise<MessageRecorder> {
  // client.py logs every duplicate; on big runs the report's count stands for them.
  const onDuplicate = config.output.logMessages ? (id: string) => out.log('ktc.consumer', `Duplicated key with id: ${id}`) : undefined;
  return openRunRecorder(config, onDuplicate);
}

/** Runs the client command; resolves to the exit status. */
export async function runClient(argv: Argv): Promise<number> {
  const config = buildRunConfig(flagsFromArgv(argv));
  if (config.connection.sasl && argv.password !== undefined) {
    // Hide -p from ps for the rest of the run; the original command line is overwritten.
    process.title = 'ktc';
  }
  const out = new Output(config.output.logFile);
  const recorder = config.mongo ? await openMongo(config, out) : undefined;
  const run = new ClientRun(config, createEngine(config.connection, config.engine), observerFor(config, out), systemClock, recorder);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(signal === 'SIGTERM' ? 143 : ExitCode.interrupted);
    run.interrupt(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await run.run();
    report(result, config, out);
    if (config.output.hdrOut) writeFileSync(config.output.hdrOut, `${JSON.stringify(result.histograms, null, 2)}\n`);
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
