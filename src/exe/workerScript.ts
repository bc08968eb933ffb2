import { getAsset } from 'node:sea';
import { Worker } from 'node:worker_threads';
import type * as shipped from '../shipped/workerScript.js';
import { ASSET } from './assets.js';

/**
 * In the single executable, src/shipped/workerScript.ts: there is no worker file on disk, so the build bundles each
 * worker into a script of its own, embeds it, and the thread runs it as code (eval).
 */
export const startWorker: typeof shipped.startWorker = (script, options) => new Worker(getAsset(ASSET.worker[script], 'utf8'), { ...options, eval: true });
