import type { Argv } from 'yargs';
import { parseDuration } from '../config/durations.js';
import { DEFAULT_TOPIC } from '../config/buildRunConfig.js';
import type { MongoVerification } from '../mongo/verifyMongo.js';
import { count } from '../report/format.js';

interface VerifyArgs {
  'mongo-uri': string;
  topic: string;
  timeout: string;
  json: boolean;
}

export function verifyOptions(y: Argv): Argv<VerifyArgs> {
  return y
    .usage(
      '$0 verify --mongo-uri URI -t TOPIC\n\nCompares the "producer" and "consumer" collections that --mongo-uri runs wrote (database = topic), as the kafka-test-app charm\'s HA tests do: exit 3 when a produced message was never consumed.',
    )
    .option('mongo-uri', { type: 'string', demandOption: 'pass the MongoDB the runs wrote to: --mongo-uri mongodb://HOST:27017/', describe: 'MongoDB connection string' })
    .option('topic', { alias: 't', type: 'string', default: DEFAULT_TOPIC, describe: 'the runs\' topic: it names the database' })
    .option('timeout', { type: 'string', default: '30s', describe: 'give up when MongoDB does not answer for this long' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON object' })
    .example('$0 verify --mongo-uri mongodb://127.0.0.1:27017/ -t test-topic', 'after `ktc --producer --mongo-uri ...` and `ktc --consumer --mongo-uri ...`') as Argv<VerifyArgs>;
}

export function verificationLines(v: MongoVerification): string[] {
  const lines = [
    `MongoDB ${v.uri} database ${v.database}: ${count(v.produced)} produced, ${count(v.consumed)} consumed: ${count(v.missing)} missing, ${count(v.unexpected)} unexpected, ${count(v.duplicates)} duplicates.`,
  ];
  if (v.missing > 0) lines.push(`Missing (produced, never consumed): ${count(v.missing)}, e.g. _id ${v.firstMissing.join(', ')}`);
  if (v.unexpected > 0) lines.push(`Unexpected (consumed, never produced here): ${count(v.unexpected)}`);
  return lines;
}

/** Runs `ktc verify`; resolves to the exit status. */
export async function runVerify(argv: VerifyArgs): Promise<number> {
  const timeoutMs = parseDuration('timeout', argv.timeout);
  // The driver is loaded only for this command.
  const { verifyMongo } = await import('../mongo/verifyMongo.js');
  const result = await verifyMongo(argv['mongo-uri'], argv.topic, timeoutMs);
  process.stdout.write(argv.json ? `${JSON.stringify(result, null, 2)}\n` : `${verificationLines(result).join('\n')}\n`);
  return result.exitCode;
}
