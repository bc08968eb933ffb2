import type { Argv } from 'yargs';
import { buildRunConfig } from '../config/buildRunConfig.js';
import { CLIENT_FLAGS, type ClientFlags } from '../config/clientFlags.js';
import { count, duration, outputFile, text, topicName, booleanSwitch } from '../config/flagKinds.js';
import { readFlags, type FlagTable, type FlagValues } from '../config/flagTable.js';
import { DEFAULT_RESULTS_TOPIC, ResultsTopic } from '../distributed/resultsTopic.js';
import { ExitCode, UsageError } from '../errors.js';
import { ERROR_HINTS } from './errorHints.js';
import { redactedCommandLine } from '../report/commandLine.js';
import { renderHtmlReport } from '../report/htmlReport.js';
import { mergedTimeline, mergeResults, missingLines, type MergedRun, type WorkerProgress } from '../report/mergeResults.js';
import { Output } from '../report/output.js';
import { ktcVersion } from '../shipped/version.js';
import { renderSummary } from '../report/summary.js';
import { declareFlags } from './yargsFlags.js';
import { defined } from '../defined.js';

const RUN = 'Run:';
const c = CLIENT_FLAGS;

/** `ktc results`: the connection flags of the client command, and which run to read. */
export const RESULTS_FLAGS = {
  'run-id': { group: RUN, kind: text('the run id the workers were given'), describe: "the run to report (the workers' --run-id)" },
  expect: { group: RUN, kind: count(1, 100_000), describe: 'workers the run should have; fewer results is a failure (exit 1), each missing one named' },
  wait: { group: RUN, kind: duration, describe: 'wait up to this long for the expected results to arrive (e.g. 2m) [default: read what is there]' },
  'results-topic': { group: RUN, kind: topicName, describe: `the topic the workers published to [default: ${DEFAULT_RESULTS_TOPIC}]` },
  json: { group: RUN, kind: booleanSwitch, describe: 'print the merged result as one JSON object: workers, missing, result' },
  html: { group: RUN, kind: outputFile, describe: 'write the merged report as a self-contained HTML file' },
  credentials: c.credentials,
  servers: c.servers,
  username: c.username,
  password: c.password,
  'password-file': c['password-file'],
  'security-protocol': c['security-protocol'],
  'sasl-mechanism': c['sasl-mechanism'],
  'cafile-path': c['cafile-path'],
  'certfile-path': c['certfile-path'],
  'keyfile-path': c['keyfile-path'],
  'verify-hostname': c['verify-hostname'],
  'consumer-group-prefix': c['consumer-group-prefix'],
  timeout: c.timeout,
} satisfies FlagTable;

export type ResultsFlags = FlagValues<typeof RESULTS_FLAGS>;

function headline(runId: string, merged: MergedRun): string {
  return `Run ${runId}: ${merged.workers.length} worker${merged.workers.length === 1 ? '' : 's'} merged (${merged.workers.join(', ')}).`;
}

/** The workers' --progress-interval, seen as the shortest gap between two messages of one worker (at least 1 s). */
function progressIntervalOf(progress: readonly WorkerProgress[]): number {
  let shortest = Infinity;
  const last = new Map<string, number>();
  for (const p of progress) {
    const at = Date.parse(p.at);
    const before = last.get(p.workerId);
    if (before !== undefined && at > before) shortest = Math.min(shortest, at - before);
    last.set(p.workerId, at);
  }
  return Number.isFinite(shortest) ? Math.max(1000, Math.round(shortest / 1000) * 1000) : 5000;
}

/** Reads a distributed run's messages, merges its workers' results and reports them; resolves to the exit status. */
export async function runResults(flags: ResultsFlags): Promise<number> {
  const runId = flags.runId;
  if (runId === undefined) throw new UsageError('ktc results needs --run-id: the id the workers were started with');
  const clientFlags: ClientFlags = { ...flags, consumer: true };
  const config = buildRunConfig(clientFlags);
  const topicName = flags.resultsTopic ?? DEFAULT_RESULTS_TOPIC;
  const topic = new ResultsTopic(config.connection, topicName, `${defined(config.consume).groupId}-`, ERROR_HINTS);
  const expect = flags.expect;
  const { state } = await topic.read(runId, (s) => (expect === undefined ? true : s.results.size >= expect), Date.now() + (flags.wait ?? 0));
  const out = new Output();
  const workers = [...state.results].map(([workerId, result]) => ({ workerId, result }));
  if (workers.length === 0) {
    out.error(
      `ktc: no result of run "${runId}" on ${topicName}${state.hello.length ? ` (${state.hello.length} worker(s) announced themselves)` : ''}: check --run-id, or --wait for running workers`,
    );
    return ExitCode.failure;
  }
  const merged = mergeResults(workers, state.hello, expect);
  // The workers' progress messages, for the over-time charts of --html (5 s apart unless they were told otherwise).
  const progress = state.progress.filter((p) => merged.workers.includes(p.workerId));
  if (progress.length) {
    merged.result = { ...merged.result, timeline: mergedTimeline(progress, merged.result.startedAt, progressIntervalOf(progress)) };
  }
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ runId, workers: merged.workers, missing: merged.missing, neverSeen: merged.neverSeen, result: merged.result }, null, 2)}\n`,
    );
  else out.line([headline(runId, merged), renderSummary(merged.result, true), ...missingLines(merged)].join('\n'));
  if (flags.json) for (const line of missingLines(merged)) out.error(`ktc: ${line}`);
  if (flags.html) {
    const r = merged.result;
    const environment: Array<[string, string]> = [
      ['ktc', ktcVersion()],
      ['Node.js', process.version],
      ['run id', runId],
      ['workers', merged.workers.join(', ')],
      ...(merged.missing.length ? [['missing workers', merged.missing.join(', ')] as [string, string]] : []),
      ['topic', r.topic],
      ...(r.topicInfo ? [['partitions', String(r.topicInfo.partitions)] as [string, string]] : []),
    ];
    const secrets = config.connection.sasl ? [config.connection.sasl.password] : [];
    const html = renderHtmlReport(r, {
      commandLine: redactedCommandLine(process.argv.slice(2), RESULTS_FLAGS, secrets),
      environment,
      p99OverTimeNote:
        'Percentiles of several workers cannot be added up per interval: p99 over time is drawn for single runs; the merged histograms above are exact.',
    });
    out.htmlFile(flags.html, html);
  }
  return out.failedWrite && merged.result.exitCode === 0 ? 1 : merged.result.exitCode;
}

export function resultsOptions(y: Argv): Argv {
  return declareFlags(y, RESULTS_FLAGS);
}

export function readResultsFlags(args: Readonly<Record<string, unknown>>): ResultsFlags {
  return readFlags(RESULTS_FLAGS, args);
}
