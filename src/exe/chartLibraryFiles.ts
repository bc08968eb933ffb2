import { getAsset } from 'node:sea';
import type * as shipped from '../shipped/chartLibraryFiles.js';
import { ASSET } from './assets.js';

/** In the single executable, src/shipped/chartLibraryFiles.ts: uPlot's files as the build embedded them. */
export const readChartLibraryFiles: typeof shipped.readChartLibraryFiles = () => ({
  script: getAsset(ASSET.chartScript, 'utf8'),
  style: getAsset(ASSET.chartStyle, 'utf8'),
});
