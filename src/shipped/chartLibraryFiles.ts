import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** uPlot's minified script and stylesheet, as the uplot package ships them. */
export interface ChartLibraryFiles {
  script: string;
  style: string;
}

/** Read from node_modules; the single executable embeds them instead (its build puts src/exe/chartLibraryFiles.ts here). */
export function readChartLibraryFiles(): ChartLibraryFiles {
  const require = createRequire(import.meta.url);
  return {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}
