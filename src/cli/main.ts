import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { errorMessage, ExitCode, KtcError, UsageError } from '../errors.js';
import { CLIENT_FLAGS, readClientFlags } from '../config/clientFlags.js';
import { runClient } from './clientCommand.js';
import { clientOptions, EPILOGUE, EXAMPLES } from './clientOptions.js';
import { LOCAL_FLAG_TABLES, localCommand } from './localCommand.js';
import { runVerify, verifyOptions } from './verifyCommand.js';
import { readResultsFlags, RESULTS_FLAGS, resultsOptions, runResults } from './resultsCommand.js';
import { displayFor, PARSER_CONFIGURATION } from './yargsFlags.js';
import { ktcVersion } from '../shipped/version.js';

/** yargs' own refusals in the words of ktc's: the flag as --help names it. */
function usageLine(msg: string): string {
  const missing = /^Not enough arguments following: (\S+)$/.exec(msg);
  if (missing?.[1]) return `${displayFor([CLIENT_FLAGS, RESULTS_FLAGS, ...LOCAL_FLAG_TABLES], missing[1])} needs a value (see ktc --help)`;
  return `${msg.replace(/\n\s*/g, ' ')} (see ktc --help)`;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = yargs(argv)
    .scriptName('ktc')
    .usage(
      'Handler for running an Apache Kafka client: produce, consume, verify and load-test.\n' +
        'A drop-in for `python3 -m charms.kafka.v0.client` (same flags, same messages).\n\n' +
        'Usage: $0 [flags] --producer | --consumer | --producer --consumer\n       $0 local <up|down|status|credentials|kill|start>\n       $0 verify --mongo-uri URI -t TOPIC',
    )
    .parserConfiguration(PARSER_CONFIGURATION)
    .command('$0', false, clientOptions, async (args) => {
      exitCode = await runClient(readClientFlags(args));
    })
    .command('local', 'run a local Apache Kafka 4 cluster (Charmed-Kafka-like) on loopback', localCommand)
    .command(
      'verify',
      'compare the producer and consumer collections --mongo-uri runs wrote (exit 3 when a message is missing)',
      verifyOptions,
      async (args) => {
        exitCode = await runVerify(args);
      },
    )
    .command('results', 'merge and report the results of a distributed run (workers started with --run-id)', resultsOptions, async (args) => {
      exitCode = await runResults(readResultsFlags(args));
    })
    .example(EXAMPLES)
    .epilogue(EPILOGUE)
    .strict()
    .recommendCommands()
    .version(ktcVersion())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(120, process.stdout.columns || 100))
    // yargs passes no error (null) for its own validation failures, though its types say Error.
    .fail((msg: string, err: Error | null | undefined) => {
      // yargs' own refusals (parse errors) come as YError; anything else is ktc's or a bug.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(usageLine(err ? err.message : msg));
    });
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (err) {
    if (err instanceof KtcError) {
      process.stderr.write(`ktc: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`ktc: unexpected error: ${errorMessage(err)} (set KTC_DEBUG=1 for details)\n`);
    if (process.env.KTC_DEBUG && err instanceof Error) process.stderr.write(`${String(err.stack)}\n`);
    return ExitCode.failure;
  }
}

export async function run(): Promise<void> {
  const code = await main(hideBin(process.argv));
  // Exit now rather than when the client library's last timer fires; stdout and stderr are synchronous on Linux.
  process.exit(code);
}
