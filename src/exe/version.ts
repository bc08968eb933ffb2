import { getAsset } from 'node:sea';
import type * as shipped from '../shipped/version.js';
import { ASSET } from './assets.js';

/** In the single executable, src/shipped/version.ts: the version the build read from package.json. */
export const ktcVersion: typeof shipped.ktcVersion = () => getAsset(ASSET.version, 'utf8');
