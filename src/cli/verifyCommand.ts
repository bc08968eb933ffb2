import type { Argv } from 'yargs';
import { DEFAULT_TOPIC } from '../config/buildRunConfig.js';
import { readFlags, type FlagTable } from '../config/flagTable.js';
import { booleanSwitch, duration, text, topicName } from '../config/flagKinds.js';
import { UsageError } from '../errors.js';
import type { MongoVerification } from '../mongo/verifyMongo.js';
import { count } from '../report/format.js';
import { declareFlags } from './yargsFlags.js';

/** `ktc verify`'s flags, declared once like every other command's (types, help and validation derive from it). */
export const VERIFY_FLAGS = {
  'mongo-uri': { kind: text('a MongoDB URI, e.g. mongodb://127.0.0.1:27017/'), describe: 'the MongoDB the --mongo-uri runs wrote to' },
  topic: { alias: 't', kind: topicName, default: DEFAULT_TOPIC, describe: "the runs' topic: it names the database" },
  timeout: { kind: duration, default: '30s', describe: 'give up when MongoDB does not answer for this long' },
  json: { kind: booleanSwitch, default: 'false', describe: 'print the result as one JSON object' },
} as const satisfies FlagTable;

export function verifyOptions(y: Argv): Argv {
  return declareFlags(
    y.usage(
      '$0 verify --mongo-uri URI -t TOPIC\n\nCompares the "producer" and "consumer" collections that --mongo-uri runs wrote (database = topic), as the kafka-test-app charm\'s HA tests do: exit 3 when a produced message was never consumed.',
    ),
    VERIFY_FLAGS,
  ).example('$0 verify --mongo-uri mongodb://127.0.0.1:27017/ -t test-topic', 'after `ktc --producer --mongo-uri ...` and `ktc --consumer --mongo-uri ...`');
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
export async function runVerify(args: Readonly<Record<string, unknown>>): Promise<number> {
  const flags = readFlags(VERIFY_FLAGS, args);
  if (flags.mongoUri === undefined) throw new UsageError('ktc verify needs --mongo-uri: the MongoDB the runs wrote to (e.g. mongodb://127.0.0.1:27017/)');
  // The driver is loaded only for this command.
  const { verifyMongo } = await import('../mongo/verifyMongo.js');
  const result = await verifyMongo(flags.mongoUri, flags.topic, flags.timeout);
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${verificationLines(result).join('\n')}\n`);
  return result.exitCode;
}
