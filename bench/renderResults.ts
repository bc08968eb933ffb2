/** Renders a results JSON again as its markdown (after a change to the report's layout): `node dist/bench/renderResults.js FILE.json`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReport } from './suite/report.js';
import type { BenchResults } from './suite/samples.js';

const file = process.argv[2];
if (!file?.endsWith('.json')) {
  process.stderr.write('usage: node dist/bench/renderResults.js bench/results/<date>T<hhmm>-peers.json\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const md = file.replace(/\.json$/, '.md');
writeFileSync(md, renderReport(results));
process.stdout.write(`${md}\n`);
