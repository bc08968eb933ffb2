/**
 * Regenerates the README's benchmark table from bench/results/*-peers.json,
 * each cell from the newest run that measured it: `npm run bench:readme`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestPerCell, readmeTable, replaceBetweenMarkers, type ResultsFile } from './suite/readmeTable.js';
import type { BenchResults } from './suite/samples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'bench', 'results');
const runs: ResultsFile[] = readdirSync(dir)
  .filter((f) => f.endsWith('-peers.json'))
  .map((name) => ({ name, results: JSON.parse(readFileSync(join(dir, name), 'utf8')) as BenchResults }));
const cells = newestPerCell(runs);
if (cells.length === 0) {
  process.stderr.write('bench:readme: no cell in bench/results/*-peers.json yet: run npm run bench first\n');
  process.exit(1);
}
const readmePath = join(root, 'README.md');
writeFileSync(readmePath, replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), readmeTable(cells)));
const from = [...new Set(cells.map((c) => c.run.name))];
process.stdout.write(`README.md: benchmark table of ${cells.length} cells from bench/results/${from.join(', ')}\n`);
