import { MongoBulkWriteError, type Collection, type Document, type WriteError } from 'mongodb';
import type { MessageDocument } from './documents.js';
import type { DocumentCollection, InsertOutcome } from './documentWriter.js';

const DUPLICATE_KEY = 11000;

/** The field ktc adds to a `consumer` document each time its message is consumed again. */
export const DUPLICATES_FIELD = 'duplicates';

/** A driver collection behind the writer's interface: unordered inserts, duplicates told apart from failures. */
export function driverCollection(collection: Collection): DocumentCollection {
  return {
    async insertUnordered(docs: MessageDocument[]): Promise<InsertOutcome> {
      try {
        const result = await collection.insertMany(docs, { ordered: false });
        return { inserted: result.insertedCount, duplicateIds: [], failed: [] };
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError)) throw err;
        const writeErrors = ([] as WriteError[]).concat(err.writeErrors); // one error or a list
        const duplicateIds: unknown[] = [];
        const failed = new Map<string, number>();
        for (const e of writeErrors) {
          if (e.code === DUPLICATE_KEY) {
            duplicateIds.push(docs[e.index]?._id);
            continue;
          }
          const reason = e.errmsg ?? `write error ${e.code}`;
          failed.set(reason, (failed.get(reason) ?? 0) + 1);
        }
        const inserted = err.insertedCount;
        // A batch cut short (connection lost mid-way) reports fewer write errors than missing documents.
        const unaccounted = docs.length - inserted - writeErrors.length;
        if (unaccounted > 0) failed.set(err.message, (failed.get(err.message) ?? 0) + unaccounted);
        return { inserted, duplicateIds, failed: [...failed].map(([message, count]) => ({ message, count })) };
      }
    },
    async countDuplicates(ids: unknown[]): Promise<void> {
      await collection.updateMany({ _id: { $in: ids } } as Document, { $inc: { [DUPLICATES_FIELD]: 1 } });
    },
  };
}
