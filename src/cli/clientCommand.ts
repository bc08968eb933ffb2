import { buildRunConfig } from '../config/buildRunConfig.js';
import type { ClientFlags } from '../config/clientFlags.js';
import type { RunConfig } from '../config/runConfig.js';
import { createEngine } from '../engine/createEngine.js';
import { errorMessage, ExitCode, signalExitCode, UsageError } from '../errors.js';
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
import { renderHtmlReport } from '../report/htmlReport.js';
import { clientReportContext } from '../report/reportContext.js';
import { DEFAULT_RESULTS_TOPIC } from '../distributed/resultsTopic.js';
import { waitUntil } from '../distributed/startAt.js';
import { DistributedWorker } from '../distributed/worker.js';
import { defined } from '../defined.js';
import { ERROR_HINTS } from './errorHints.js';

function observerFor(config: RunConfig, out: Output): RunObserver {
  const window = new ProgressWindow();
  const kafka = config.output.format === 'kafka';
  const quiet = config.output.json;
  return {
    topicReady: (info) => {
      if (!quiet && !kafka) {
        out.log(
          'ktc',
          `Topic ${info.topic} ${info.created ? 'created' : 'exists'}: ${info.partitions} partition(s), replication factor ${info.replicationFactor}`,
        );
      }
    },
    consumerReady: (groupId) => {
      if (!quiet && !kafka) out.log('ktc', `Consumer joined group ${groupId} on ${config.topic}`);
    },
    published: (topic, batch) => logPublished(out, topic, batch),
    consumed: (topic, partition, message, kind) => logConsumed(out, topic, partition, message, kind),
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

/** --run-id: this process is one worker of a named run (see src/distributed). */
function distributedWorker(flags: ClientFlags, config: RunConfig, out: Output): DistributedWorker | undefined {
  if (flags.runId === undefined) {
    if (flags.workersExpected !== undefined) throw new UsageError('--workers-expected needs --run-id: name the run every worker belongs to');
    return undefined;
  }
  // The barrier's reader joins a group of its own under the user's group prefix (ACLs on prefixed groups).
  const groupId = (config.consume ?? defined(buildRunConfig({ ...flags, producer: false, consumer: true }).consume)).groupId;
  return new DistributedWorker(
    config,
    {
      runId: flags.runId,
      ...(flags.workersExpected !== undefined ? { workersExpected: flags.workersExpected } : {}),
      resultsTopic: flags.resultsTopic ?? DEFAULT_RESULTS_TOPIC,
      groupPrefix: `${groupId}-`,
      errorHints: ERROR_HINTS,
    },
    (text) => out.error(`ktc: ${text}`),
  );
}

/** What the run awaits before producing: the --workers-expected barrier, then --start-at. */
function startGate(worker: DistributedWorker | undefined, startAt: number | undefined, signal: AbortSignal, out: Output): (() => Promise<void>) | undefined {
  if (!worker && startAt === undefined) return undefined;
  return async () => {
    await worker?.gate();
    if (startAt !== undefined) await waitUntil(startAt, signal, (text) => out.error(`ktc: ${text}`));
  };
}

/** Runs the client command; resolves to the exit status. */
export async function runClient(flags: ClientFlags): Promise<number> {
  const config = buildRunConfig(flags);
  if (flags.password !== undefined) {
    // bin/ktc.js already did this at start; again for runs through main() (tests, other entry points).
    process.title = 'ktc';
  }
  const out = new Output(config.output.logFile);
  const recorder = config.mongo ? await openMongo(config, out) : undefined;
  const worker = distributedWorker(flags, config, out);
  await worker?.prepare();
  const observer = observerFor(config, out);
  if (worker) {
    const print = observer.progress?.bind(observer);
    observer.progress = (s) => {
      worker.progress(s);
      print?.(s);
    };
  }
  const startWait = new AbortController();
  const run = new ClientRun(
    config,
    createEngine(config.connection, config.engine),
    observer,
    systemClock,
    recorder,
    startGate(worker, flags.startAt, startWait.signal, out),
    ERROR_HINTS,
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(signalExitCode(signal));
    startWait.abort();
    run.interrupt(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await run.run().catch(async (err: unknown) => {
      await worker?.close();
      throw err;
    });
    report(result, config, out);
    // After the report: a run whose result cannot reach the topic still shows what it measured.
    const published = worker
      ? await worker.publishResult(result).then(
          () => true,
          (err: unknown) => (out.error(`ktc: ${errorMessage(err)}`), false),
        )
      : true;
    if (config.output.hdrOut) {
      out.resultFile('--hdr-out', config.output.hdrOut, `${JSON.stringify(result.histograms, null, 2)}\n`, config.output.json);
    }
    if (config.output.html) {
      const html = renderHtmlReport(result, clientReportContext(config, result, process.argv.slice(2)));
      out.htmlFile(config.output.html, html);
    }
    // The results are on stdout instead, but a script waiting for the file must see that something went wrong.
    return (out.failedWrite || !published) && result.exitCode === ExitCode.ok ? ExitCode.failure : result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
