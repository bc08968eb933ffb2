/** Regenerates the README's benchmark table from the latest run's bench/results/*-peers.json: `npm run bench:readme`. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latestResults, readmeTable, replaceBetweenMarkers } from './suite/readmeTable.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'bench', 'results');
const latest = latestResults(
  readdirSync(dir)
    .filter((f) => f.endsWith('-peers.json'))
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') })),
);
if (!latest) {
  process.stderr.write('bench:readme: no bench/results/*-peers.json yet: run npm run bench first\n');
  process.exit(1);
}
const readmePath = join(root, 'README.md');
const file = `bench/results/${latest.name.replace(/\.json$/, '.md')}`;
writeFileSync(readmePath, replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), readmeTable(latest.results, file)));
process.stdout.write(`README.md: benchmark table from bench/results/${latest.name} (started ${latest.results.startedAt})\n`);
