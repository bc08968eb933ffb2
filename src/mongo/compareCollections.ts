import { idText, stringifyOrUndefined } from './documents.js';

/** The two collections as the comparison reads them: ids only, streamed. */
export interface CollectionSource {
  producerIds(): AsyncIterable<unknown>;
  /** `duplicates`: how many times ktc consumers read the message again after storing it (absent: never). */
  consumerDocs(): AsyncIterable<{ _id: unknown; duplicates?: unknown }>;
}

export interface CollectionComparison {
  /** Documents in `producer`. */
  produced: number;
  /** Documents in `consumer`. */
  consumed: number;
  /** Produced, never consumed. */
  missing: number;
  /** Consumed, never produced (another producer, or produced documents deleted). */
  unexpected: number;
  /** Messages consumed again after their document was stored, as ktc consumers record them. */
  duplicates: number;
  /** A few missing _ids, to look for in the logs. */
  firstMissing: string[];
}

const EXAMPLES = 5;

/** Set key of an _id: a string and a number that print alike are different ids to MongoDB. */
function idKey(id: unknown): string {
  return typeof id === 'string' ? `s${id}` : `j${stringifyOrUndefined(id) ?? String(id)}`;
}

/**
 * The charm's HA check on the two collections, with names for every difference. Holds the producer's ids in
 * memory (about 100 bytes each) and streams the consumer's.
 */
export async function compareCollections(source: CollectionSource): Promise<CollectionComparison> {
  const unmatched = new Map<string, unknown>();
  let produced = 0;
  for await (const id of source.producerIds()) {
    produced++;
    unmatched.set(idKey(id), id);
  }
  let consumed = 0;
  let unexpected = 0;
  let duplicates = 0;
  for await (const doc of source.consumerDocs()) {
    consumed++;
    if (!unmatched.delete(idKey(doc._id))) unexpected++;
    if (typeof doc.duplicates === 'number' && doc.duplicates > 0) duplicates += doc.duplicates;
  }
  // Consumed documents matched and left the set: what remains was never consumed.
  const firstMissing: string[] = [];
  for (const id of unmatched.values()) {
    if (firstMissing.length >= EXAMPLES) break;
    firstMissing.push(idText(id));
  }
  return { produced, consumed, missing: unmatched.size, unexpected, duplicates, firstMissing };
}
