/** What a run wrote to one collection (`producer` or `consumer`). */
export interface CollectionWrites {
  /** Documents MongoDB stored. */
  written: number;
  /**
   * Documents whose _id was already there: a message consumed again (client.py logs "Duplicated key with id"
   * and goes on, and so does ktc).
   */
  duplicates: number;
  /** Documents that never reached MongoDB: a write error, the buffer full, or the end of the run came first. */
  notWritten: number;
  /** Message values that are no JSON object, so no document (client.py's consumer crashed on them). */
  notJson: number;
  /** Why documents were not written, with how many each. */
  errors: Array<{ message: string; count: number }>;
}

/** The --mongo-uri part of a run's result. */
export interface MongoResult {
  /** --mongo-uri with its password replaced. */
  uri: string;
  /** client.py's: the database is named after the topic. */
  database: string;
  producer?: CollectionWrites;
  consumer?: CollectionWrites;
}

/** Whether documents are missing from the collections because they never reached MongoDB (the run exits 1). */
export function mongoIncomplete(m: MongoResult | undefined): boolean {
  return (m?.producer?.notWritten ?? 0) + (m?.consumer?.notWritten ?? 0) > 0;
}
