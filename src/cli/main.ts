import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { errorMessage, ExitCode, KtcError, UsageError } from '../errors.js';
import { runClient } from './clientCommand.js';
import { clientOptions, EPILOGUE, EXAMPLES } from './clientOptions.js';
import { localCommand } from './localCommand.js';
import { runVerify, verifyOptions } from './verifyCommand.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
    .command('$0', false, clientOptions, async (args) => {
      exitCode = await runClient(args as Record<string, unknown>);
    })
    .command('local', 'run a local Apache Kafka 4 cluster (Charmed-Kafka-like) on loopback', localCommand)
    .command('verify', 'compare the producer and consumer collections --mongo-uri runs wrote (exit 3 when a message is missing)', verifyOptions, async (args) => {
      exitCode = await runVerify(args);
    })
    .example(EXAMPLES)
    .epilogue(EPILOGUE)
    .strict()
    .recommendCommands()
    .version(packageVersion())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(`${msg} (see ktc --help)`);
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
    if (process.env.KTC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return ExitCode.failure;
  }
}

export async function run(): Promise<void> {
  const code = await main(hideBin(process.argv));
  // Exit now rather than when the client library's last timer fires; stdout and stderr are synchronous on Linux.
  process.exit(code);
}
