import { CLIENT_FLAGS } from '../config/clientFlags.js';
import type { RunConfig } from '../config/runConfig.js';
import type { RunResult } from '../run/runResult.js';
import { count } from './format.js';
import type { ReportContext } from './htmlReport.js';
import { redactedCommandLine } from './commandLine.js';
import { ktcVersion } from '../shipped/version.js';

/** The report's command line and environment rows for a client run. */
export function clientReportContext(config: RunConfig, result: RunResult, argv: readonly string[]): ReportContext {
  const secrets = config.connection.sasl ? [config.connection.sasl.password] : [];
  const rows: Array<[string, string]> = [
    ['ktc', ktcVersion()],
    ['Node.js', process.version],
    ['engine', config.engine],
    ['bootstrap servers', config.connection.brokers.join(', ')],
    ['security protocol', config.connection.securityProtocol],
    ['topic', result.topic],
  ];
  if (result.topicInfo) {
    rows.push(['partitions', String(result.topicInfo.partitions)], ['replication factor', String(result.topicInfo.replicationFactor)]);
  }
  const p = config.produce;
  if (p) {
    const average = result.producer && result.producer.acked > 0 ? result.producer.bytes / result.producer.acked : undefined;
    rows.push([
      'record size',
      p.recordSize !== undefined
        ? `${count(p.recordSize)} B`
        : average !== undefined
          ? `${average.toFixed(1)} B on average (client.py's JSON)`
          : "client.py's JSON",
    ]);
    rows.push(
      ['target throughput', p.throughput > 0 ? `${count(p.throughput)} msgs/s (open loop)` : 'as fast as possible'],
      ['acks', p.acks === -1 ? 'all' : String(p.acks)],
      ['idempotent', String(p.idempotent)],
      ['compression', p.compression],
      [
        'batch size',
        p.batchSize !== undefined
          ? `${count(p.batchSize)} messages`
          : '1 MiB per leader per send, over at most 8 partitions per leader, at most 256 KiB per partition (default)',
      ],
      ['max in flight', `${p.maxInFlight} requests per broker`],
      ['producer threads', String(p.workers)],
    );
    if (p.warmupMs > 0) rows.push(['warmup', `${p.warmupMs / 1000} s (kept out of the histograms)`]);
  }
  if (config.consume) rows.push(['consumer group', config.consume.groupId], ['isolation level', config.consume.isolationLevel]);
  rows.push(['started at', result.startedAt]);
  return { commandLine: redactedCommandLine(argv, CLIENT_FLAGS, secrets), environment: rows };
}
