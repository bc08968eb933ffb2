import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defined } from '../../../src/defined.js';

// `ktc local` must not reach its cluster code when a flag is refused: every entry point fails the test if called.
const clusterCalls = vi.hoisted(() => [] as string[]);
vi.mock('../../../src/local/cluster.js', () => {
  const refuse = (name: string) => () => {
    clusterCalls.push(name);
    throw new Error(`${name} ran although a flag was refused`);
  };
  return {
    up: refuse('up'),
    down: refuse('down'),
    killNode: refuse('killNode'),
    startNode: refuse('startNode'),
    requireState: refuse('requireState'),
    nodeStatuses: refuse('nodeStatuses'),
  };
});

const { main } = await import('../../../src/cli/main.js');
const { LOCAL_FLAGS } = await import('../../../src/cli/localCommand.js');
const { CLIENT_FLAGS } = await import('../../../src/config/clientFlags.js');
const { VERIFY_FLAGS } = await import('../../../src/cli/verifyCommand.js');
const { RESULTS_FLAGS } = await import('../../../src/cli/resultsCommand.js');
const { FLAG_KIND_NAMES } = await import('../../../src/config/flagKinds.js');
const { flagDisplay, readFlags } = await import('../../../src/config/flagTable.js');
const { declareFlags, PARSER_CONFIGURATION } = await import('../../../src/cli/yargsFlags.js');
const { default: yargs } = await import('yargs');
type FlagKindName = import('../../../src/config/flagKinds.js').FlagKindName;
type FlagTable = import('../../../src/config/flagTable.js').FlagTable;

const scratch = mkdtempSync(join(tmpdir(), 'ktc-flags-'));
const aFile = join(scratch, 'a-file');
writeFileSync(aFile, 'not a directory\n');

/**
 * Values each kind of flag must refuse. Typed by kind name: a new kind does
 * not compile until it lists what it refuses, and a kind that refuses nothing
 * (a flag without a rule) fails below.
 */
const REFUSED: Record<FlagKindName, readonly string[]> = {
  switch: ['maybe'],
  text: [''],
  secret: [''],
  count: ['abc', '-5', '2.5', '1e20', ''],
  rate: ['0', '-2', 'fast', ''],
  duration: ['-5s', '0', 'soon', '1000h', ''],
  choice: ['nonsense', ''],
  topic: ['no spaces', '..', 'x'.repeat(250), ''],
  servers: ['localhost', 'h:99999', 'h:1,,h:2', ''],
  inputFile: [''],
  outputFile: ['/nonexistent/dir/x.json', '/proc/nope/x', scratch, ''],
  directory: [aFile, ''],
  list: ['sticky', 'range,range', ''],
  keyValue: ['nokey', '=x', ''],
  loopbackAddress: ['10.0.0.1', '127.0.0.256', 'nonsense', ''],
  instant: ['10am', '2026-11-27T10:00:00', '2026-02-30T10:00:00Z', '24:00', '2099-01-01T00:00:00Z', ''],
  kafkaVersion: ['3.9.0', 'latest', ''],
  refused: ['mongodb://127.0.0.1:27017'],
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  // yargs prints --help with console.log.
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    stdout += `${parts.join(' ')}\n`;
  });
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
  }
}

/** How a refused value is named in the line: bare, or quoted when empty or spaced; a switch's too. */
function expectedValue(value: string): string {
  return /^[^\s"']+$/.test(value) ? value : JSON.stringify(value);
}

interface Case {
  command: string;
  flag: string;
  value: string;
  /** Built when the test runs: the trap's port is known only then. */
  args: () => string[];
  display: string;
  secret: boolean;
}

/** The flag given `value` on a command line that is valid without it. */
function argsFor(table: FlagTable, flag: string, value: string, base: (without: string) => string[]): string[] {
  const spec = defined(table[flag]);
  if (spec.positional) return base(flag).map((a) => (a === `<${flag}>` ? value : a));
  if (spec.kind.boolean) return [...base(flag), `--${flag}=${value}`];
  return [...base(flag), `--${flag}`, value];
}

function casesFor(command: string, table: FlagTable, base: (without: string) => string[]): Case[] {
  return Object.entries(table).flatMap(([flag, spec]) =>
    REFUSED[spec.kind.name].map((value) => ({
      command,
      flag,
      value,
      args: () => argsFor(table, flag, value, base),
      display: flagDisplay(flag, spec),
      secret: spec.kind.secret ?? false,
    })),
  );
}

let trap: Server;
let trapPort = 0;
let connections = 0;

beforeAll(async () => {
  // Where -s points: any connection means a refused flag let the run start.
  trap = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapPort = (trap.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => trap.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(() => {
  expect(connections, 'a connection reached the trap listener').toBe(0);
  expect(clusterCalls, 'ktc local ran cluster code').toEqual([]);
});

const clientBase = (without: string): string[] => {
  const base: Array<[string, string[]]> = [
    ['servers', ['-s', `127.0.0.1:${trapPort}`]],
    ['username', ['-u', 'user']],
    ['password', ['-p', 'pass']],
    ['timeout', ['--timeout', '2s']],
    ['producer', ['--producer']],
    ['consumer', ['--consumer']],
  ];
  return base.filter(([flag]) => flag !== without).flatMap(([, args]) => args);
};

const localBase =
  (command: string) =>
  (without: string): string[] => [
    'local',
    command,
    ...(command === 'kill' || command === 'start' ? ['<node>'] : []),
    ...(without === 'dir' ? [] : ['--dir', join(scratch, 'cluster')]),
  ];

const verifyBase = (without: string): string[] => ['verify', ...(without === 'mongo-uri' ? [] : ['--mongo-uri', 'mongodb://127.0.0.1:1/'])];

const clientCases = casesFor('ktc', CLIENT_FLAGS, clientBase);
const verifyCases = casesFor('ktc verify', VERIFY_FLAGS, verifyBase);
const resultsBase = (without: string): string[] => ['results', ...(without === 'run-id' ? [] : ['--run-id', 'r1'])];
const resultsCases = casesFor('ktc results', RESULTS_FLAGS, resultsBase);
const localCases = Object.entries(LOCAL_FLAGS).flatMap(([command, table]) => casesFor(`ktc local ${command}`, table, localBase(command)));

describe('every flag refuses bad values before anything is sent', () => {
  it('has refused values for every kind of flag, and every flag is covered', () => {
    for (const name of FLAG_KIND_NAMES) expect(REFUSED[name].length, `kind ${name} lists no refused value`).toBeGreaterThan(0);
    expect(new Set(clientCases.map((c) => c.flag))).toEqual(new Set(Object.keys(CLIENT_FLAGS)));
    expect(new Set(verifyCases.map((c) => c.flag))).toEqual(new Set(Object.keys(VERIFY_FLAGS)));
    expect(new Set(resultsCases.map((c) => c.flag))).toEqual(new Set(Object.keys(RESULTS_FLAGS)));
    for (const [command, table] of Object.entries(LOCAL_FLAGS)) {
      expect(new Set(localCases.filter((c) => c.command === `ktc local ${command}`).map((c) => c.flag))).toEqual(new Set(Object.keys(table)));
    }
  });

  it.each([...clientCases, ...localCases, ...verifyCases, ...resultsCases])('$command $flag $value', async ({ args, display, value, secret }) => {
    const run = await runCli(args());
    expect(run.code, run.stderr).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^ktc: /);
    expect(lines[0]).toContain(display);
    if (value.trim() === '') expect(lines[0]).toMatch(/ is empty: give /);
    else if (secret) expect(lines[0]).not.toContain(value);
    else expect(lines[0]).toContain(expectedValue(value));
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).toBe('');
  });
});

/** The --flags a command's --help lists. */
async function helpFlags(args: string[]): Promise<Set<string>> {
  // yargs ends the process after --help; here it must only print.
  const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
  try {
    const run = await runCli([...args, '--help']);
    const options = run.stdout.split(/^Examples:/m)[0] ?? '';
    return new Set([...options.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => defined(m[1])));
  } finally {
    exit.mockRestore();
  }
}

describe('--help lists exactly the declared flags', () => {
  const builtIn = ['help', 'version'];
  const visible = (table: FlagTable) =>
    Object.entries(table)
      .filter(([, s]) => !s.hidden && !s.positional)
      .map(([name]) => name);

  it('ktc', async () => {
    expect(await helpFlags([])).toEqual(new Set([...builtIn, ...visible(CLIENT_FLAGS)]));
  });

  it.each(Object.keys(LOCAL_FLAGS))('ktc local %s', async (command) => {
    const table: FlagTable = LOCAL_FLAGS[command as keyof typeof LOCAL_FLAGS];
    expect(await helpFlags(['local', command])).toEqual(new Set([...builtIn, ...visible(table)]));
  });
});

describe('ktc local up --address', () => {
  it('refuses an address that leaves no room for every node with one line and status 2, before the cluster code runs', async () => {
    const run = await runCli(['local', 'up', '--dir', join(scratch, 'no-room'), '--address', '127.0.0.253', '--nodes', '3']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ktc: --address 127.0.0.253 leaves no room for 3 nodes: node n uses the n-th address after it, up to 127.x.y.254\n',
    });
    expect(clusterCalls).toEqual([]);
  });
});

describe('values that look like flags', () => {
  it('takes a negative value as the value (--idle-timeout -5s is not -5 -s)', async () => {
    const run = await runCli([...clientBase('none'), '--idle-timeout', '-5s']);
    expect(run.stderr).toBe('ktc: --idle-timeout -5s is negative: durations are positive, e.g. 30s, 2m, 500ms or a number of seconds\n');
    expect(run.code).toBe(2);
  });

  it('names a flag left without its value', async () => {
    const run = await runCli([...clientBase('none'), '--idle-timeout']);
    expect(run.stderr).toBe('ktc: --idle-timeout needs a value (see ktc --help)\n');
    expect(run.code).toBe(2);
  });
});

describe('good values arrive as declared, through yargs', () => {
  /** The table's flags as yargs collects them from `argv` and the declaration parses them. */
  function parsed<T extends FlagTable>(table: T, argv: string[]) {
    const args = declareFlags(yargs(argv).parserConfiguration(PARSER_CONFIGURATION).strict(), table).parseSync();
    return readFlags(table, args);
  }

  it('client flags: counts, negative numbers, switches and their negations, case-insensitive choices', () => {
    const flags = parsed(CLIENT_FLAGS, [
      ...['-n', '1e6', '--throughput', '-1', '--acks', '-1', '--compression', 'ZSTD', '-p', '0123', '--no-verify-hostname', '--producer', '--json=true'],
      ...['--idle-timeout', '1.5m', '-s', 'a:1, b:2', '--partition-assignment-strategy', 'roundrobin,range', '-x', 'sasl_ssl'],
    ]);
    expect(flags).toEqual({
      numMessages: 1_000_000,
      throughput: -1,
      acks: '-1',
      compression: 'zstd',
      password: '0123',
      verifyHostname: false,
      producer: true,
      json: true,
      idleTimeout: 90_000,
      servers: ['a:1', 'b:2'],
      partitionAssignmentStrategy: ['roundrobin', 'range'],
      securityProtocol: 'SASL_SSL',
    });
  });

  it('ktc local up: defaults parsed like given values, a repeatable hidden flag collected in order', () => {
    const dir = join(scratch, 'parsed-cluster');
    const flags = parsed(LOCAL_FLAGS.up, ['--dir', dir, '--nodes', '3', '--broker-config', 'a.b=1', '--broker-config', 'c=x=y']);
    expect(flags).toEqual({
      dir,
      nodes: 3,
      kafkaVersion: '4.1.2',
      address: '127.0.0.1',
      topic: 'test-topic',
      mongo: false,
      mongoPort: 27017,
      brokerConfig: [
        ['a.b', '1'],
        ['c', 'x=y'],
      ],
    });
  });

  it('every switch of every command reads as true when given bare, even last on the line, and as its default when absent', () => {
    const tables: Array<[string, FlagTable]> = [
      ['ktc', CLIENT_FLAGS],
      ['ktc verify', VERIFY_FLAGS],
      ['ktc results', RESULTS_FLAGS],
      ...Object.entries(LOCAL_FLAGS).map(([command, table]): [string, FlagTable] => [`ktc local ${command}`, table]),
    ];
    let switches = 0;
    for (const [command, table] of tables) {
      for (const [flag, spec] of Object.entries(table)) {
        if (!spec.kind.boolean || spec.positional) continue;
        switches++;
        const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
        const values = parsed(table, [`--${flag}`]) as Record<string, unknown>;
        expect(values[key], `${command} --${flag}`).toBe(true);
        const absent = parsed(table, []) as Record<string, unknown>;
        expect(absent[key], `${command} without --${flag}`).toBe(spec.default === undefined ? undefined : spec.default === 'true');
      }
    }
    expect(switches).toBeGreaterThan(5);
  });

  it('ktc local kill: the positional node', () => {
    // Positionals exist only inside a command, as in `ktc local kill <node>`.
    let flags: unknown;
    yargs(['kill', '2', '--dir', scratch])
      .parserConfiguration(PARSER_CONFIGURATION)
      .command(
        'kill <node>',
        '',
        (y) => declareFlags(y, LOCAL_FLAGS.kill),
        (args) => {
          flags = readFlags(LOCAL_FLAGS.kill, args);
        },
      )
      .parseSync();
    expect(flags).toEqual({ node: 2, dir: scratch });
  });
});
