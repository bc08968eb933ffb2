import { Worker, type WorkerOptions } from 'node:worker_threads';

/** ktc's worker threads: --workers producers, and the --mongo-uri writer. */
export type WorkerScript = 'producer' | 'mongoRecorder';

const SCRIPTS: Record<WorkerScript, URL> = {
  producer: new URL('../run/producerWorker.js', import.meta.url),
  mongoRecorder: new URL('../mongo/recorderWorker.js', import.meta.url),
};

/**
 * Starts one of ktc's worker threads from its compiled file in dist/. The single executable has no such file:
 * its build puts src/exe/workerScript.ts here.
 */
export function startWorker(script: WorkerScript, options: WorkerOptions): Worker {
  return new Worker(SCRIPTS[script], options);
}
