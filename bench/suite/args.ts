import { parseCells, type Cell } from './cells.js';
import { defined } from '../../src/defined.js';

export interface BenchOptions {
  cells: Cell[];
  rounds: number;
  measureSeconds: number;
  warmupSeconds: { producer: number; consumer: number };
  latencyCell?: string | undefined;
  latencyRounds: number;
  latencySeconds: number;
  /** Messages of the memory check (1 KiB records, ktc producer then consumer); 0 = skip. */
  memoryMessages: number;
  limitSeconds: number;
  consumerTopicCapGiB: number;
  calibrationMiB: { producer: number; consumer: number };
  /** Why the cells not run were left out, for the results file. */
  leftOutReason: string;
}

/**
 * The default matrix, 5 of the 12 cells, takes ~2 hours of a 2-core machine:
 * each cell costs 22–26 minutes (5 tools × 2 sides × 5 rounds of ~15 s, runs
 * that fall short run again, plus calibration, topic writing and the limit's
 * three replays per round). The README's table takes every cell from the
 * newest run of it, so runs of a few cells add up.
 */
export const DEFAULT_CELLS = '1n-6p-100B,1n-6p-1KiB,1n-6p-10KiB,1n-48p-1KiB,3n-6p-1KiB';

const USAGE =
  'use --cells 1n-6p-100B,... | --rounds N | --measure S | --warmup-producer S | --warmup-consumer S | --latency-cell ID|none | --latency-rounds N | --latency-seconds S | --memory N | --limit-seconds S | --topic-cap-gib G | --calibration-mib P,C | --left-out-reason TEXT';

export function parseArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    cells: parseCells(DEFAULT_CELLS),
    rounds: 5,
    measureSeconds: 10,
    warmupSeconds: { producer: 5, consumer: 2 },
    latencyCell: '1n-6p-1KiB',
    latencyRounds: 3,
    latencySeconds: 20,
    memoryMessages: 10_000_000,
    limitSeconds: 10,
    consumerTopicCapGiB: 8,
    calibrationMiB: { producer: 48, consumer: 256 },
    leftOutReason: 'not run: each cell takes ~25 minutes of this 2-core machine, and the whole benchmark was to fit in ~2 hours',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = defined(argv[i]);
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value (${USAGE})`);
    const n = Number(value);
    const positive = (): number => {
      if (!(n > 0)) throw new Error(`${flag} needs a positive number`);
      return n;
    };
    if (flag === '--cells') o.cells = parseCells(value);
    else if (flag === '--rounds') o.rounds = positive();
    else if (flag === '--measure') o.measureSeconds = positive();
    else if (flag === '--warmup-producer') o.warmupSeconds.producer = positive();
    else if (flag === '--warmup-consumer') o.warmupSeconds.consumer = positive();
    else if (flag === '--latency-cell') o.latencyCell = value === 'none' ? undefined : value;
    else if (flag === '--latency-rounds') o.latencyRounds = positive();
    else if (flag === '--latency-seconds') o.latencySeconds = positive();
    else if (flag === '--memory') o.memoryMessages = n >= 0 ? n : positive();
    else if (flag === '--limit-seconds') o.limitSeconds = positive();
    else if (flag === '--topic-cap-gib') o.consumerTopicCapGiB = positive();
    else if (flag === '--calibration-mib') {
      const [p, c] = value.split(',').map(Number);
      if (p === undefined || c === undefined || !(p > 0 && c > 0)) throw new Error('--calibration-mib needs two positive numbers: producer,consumer');
      o.calibrationMiB = { producer: p, consumer: c };
    } else if (flag === '--left-out-reason') o.leftOutReason = value;
    else throw new Error(`unknown flag ${flag} (${USAGE})`);
  }
  return o;
}
