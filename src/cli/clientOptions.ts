import type { Argv } from 'yargs';
import { CLIENT_FLAGS } from '../config/clientFlags.js';
import { declareFlags } from './yargsFlags.js';

/** The client command's flags, from their one declaration (src/config/clientFlags.ts). */
export function clientOptions(y: Argv): Argv {
  return declareFlags(y, CLIENT_FLAGS);
}

export const EXAMPLES: Array<[string, string]> = [
  ['$0 -u relation-8 -p PASS -t test-topic -s "10.0.0.1:9092,10.0.0.2:9092" -n 10 -r 3 --num-partitions 1 --producer', "the tutorial's producer"],
  ['$0 -u relation-8 -p PASS -t test-topic -s "10.0.0.1:9092" --consumer', "the tutorial's consumer (runs until Ctrl+C)"],
  [
    'juju run data-integrator/leader get-credentials | $0 --credentials - --producer --consumer -n 100',
    'produce, consume and verify, credentials from the charm',
  ],
  ['$0 --credentials creds.yaml -x SASL_SSL --cafile-path ca.pem --producer', 'over TLS, broker certificate checked against ca.pem'],
  [
    '$0 --credentials creds.yaml --consumer --partition-assignment-strategy roundrobin,range',
    'consume in a group shared with Java consumers, round robin preferred',
  ],
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
