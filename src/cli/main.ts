import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { errorMessage, ExitCode, KtcError, UsageError } from '../errors.js';
import { localCommand } from './localCommand.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName('ktc')
    .command('local', 'run a local Apache Kafka 4 cluster (Charmed-Kafka-like) on loopback', localCommand)
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
    return ExitCode.ok;
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
  process.exitCode = await main(hideBin(process.argv));
}
