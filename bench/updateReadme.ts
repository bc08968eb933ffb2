/** Regenerates the README's benchmark table from the latest bench/results/*-peers.json: `npm run bench:readme`. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeTable, replaceBetweenMarkers } from './suite/readmeTable.js';
import type { BenchResults } from './suite/samples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'bench', 'results');
const latest = readdirSync(dir)
  .filter((f) => f.endsWith('-peers.json'))
  .sort()
  .at(-1);
if (!latest) {
  process.stderr.write('bench:readme: no bench/results/*-peers.json yet: run npm run bench first\n');
  process.exit(1);
}
const results = JSON.parse(readFileSync(join(dir, latest), 'utf8')) as BenchResults;
const readmePath = join(root, 'README.md');
writeFileSync(readmePath, replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), readmeTable(results, `bench/results/${latest.replace(/\.json$/, '.md')}`)));
process.stdout.write(`README.md: benchmark table from bench/results/${latest}\n`);
