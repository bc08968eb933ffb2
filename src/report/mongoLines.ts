import type { CollectionWrites, MongoResult } from '../mongo/mongoResult.js';
import { count } from './format.js';

function collectionPart(name: string, w: CollectionWrites): string {
  const parts = [`${count(w.written)} written`];
  if (w.duplicates) parts.push(`${count(w.duplicates)} duplicate${w.duplicates === 1 ? '' : 's'} (already there: read again)`);
  if (w.notJson) parts.push(`${count(w.notJson)} not JSON (no document)`);
  if (w.notWritten) parts.push(`${count(w.notWritten)} NOT written`);
  return `${name} ${parts.join(', ')}`;
}

/** The --mongo-uri sentence of the summary, and one line per reason documents were not written. */
export function mongoLines(m: MongoResult): string[] {
  const parts = [m.producer ? collectionPart('producer', m.producer) : '', m.consumer ? collectionPart('consumer', m.consumer) : ''].filter(Boolean);
  const lines = [`MongoDB ${m.uri} database ${m.database}: ${parts.join('; ')}.`];
  for (const [name, w] of [
    ['producer', m.producer],
    ['consumer', m.consumer],
  ] as const) {
    for (const e of w?.errors ?? []) lines.push(`  ${name} collection (${count(e.count)}x): ${e.message}`);
  }
  return lines;
}
