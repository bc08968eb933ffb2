import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCredentials } from '../../src/local/credentials.js';
import type { ReportData } from '../../src/report/htmlReport.js';
import type { RunResult } from '../../src/run/runResult.js';
import { CHROMIUM_ARGS, ensureChromium } from '../helpers/chromium.js';
import { runKtc } from '../helpers/runKtc.js';
import { repoRoot, testCluster, uniqueName } from '../helpers/testCluster.js';
import { defined, present } from '../../src/defined.js';

/** The series colours the page draws with, in order (htmlReport.ts's palette). */
const BLUE = [0x1f, 0x77, 0xb4];
const RED = [0xd6, 0x27, 0x28];

let scratch: string;
let creds: string;
let password: string;
let browserPath: string | undefined;
let noBrowser = '';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ktc-html-'));
  const cluster = testCluster();
  creds = renderCredentials(cluster.state, cluster.passwords, 'admin');
  password = cluster.passwords.admin;
  const found = ensureChromium();
  if ('path' in found) browserPath = found.path;
  else noBrowser = found.missing;
}, 660_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('--html report', () => {
  it('a produce+consume run writes a self-contained report that Chromium draws without a single request', async (ctx) => {
    const file = join(scratch, 'report.html');
    const topic = uniqueName('html');
    // The password on the command line, as users type it: the report must not show it.
    const args = ['--credentials', '-', '-p', password, '-t', topic, '-r', '3', '--num-partitions', '3', '--producer', '--consumer'];
    const run = await runKtc([...args, '-n', '16000', '--throughput', '4000', '--record-size', '200', '--html', file, '--json'], {
      input: creds,
      timeoutMs: 120_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(defined(result.timeline).length).toBeGreaterThanOrEqual(3);

    const html = readFileSync(file, 'utf8');
    expect(html).not.toContain(password);
    expect(html).toContain(`<pre id="command">ktc --credentials - -p &lt;redacted&gt; -t ${topic} -r 3 --num-partitions 3 --producer --consumer -n 16000`);
    expect(html).toContain('<tr><td>partitions</td><td>3</td></tr>');
    expect(html).toContain('<tr><td>record size</td><td>200 B</td></tr>');
    const data = JSON.parse(defined(present(/<script type="application\/json" id="ktc-data">([\s\S]*?)<\/script>/.exec(html))[1])) as ReportData;
    expect(data.spectrum.series.map((s) => [s.name, s.count])).toEqual([
      ['producerServiceTime', 16000],
      ['producerResponseTime', 16000],
      ['producerScheduleSlip', 16000],
      ['endToEnd', 16000],
    ]);

    if (!browserPath) {
      ctx.skip(`no browser: ${noBrowser}`);
      return;
    }
    const browser = await puppeteer.launch({
      executablePath: browserPath,
      headless: true,
      args: [...CHROMIUM_ARGS.filter((a) => a !== '--headless'), `--user-data-dir=${join(scratch, 'profile')}`],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 900 });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(String(e)));
      // Anything the page tried that the report's policy refused, had it tried it.
      await page.evaluateOnNewDocument(() => {
        const w = window as unknown as { violations: string[] };
        w.violations = [];
        document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForSelector('#p99 canvas', { timeout: 10_000 });

      /* eslint-disable @typescript-eslint/no-non-null-assertion -- this function runs in Chromium (puppeteer serializes it): no imports there, and its indices stay within the image data */
      const drawn = await page.evaluate(
        (colours: number[][]) => {
          const near = (d: Uint8ClampedArray, i: number, c: number[]) =>
            d[i + 3]! > 200 && Math.abs(d[i]! - c[0]!) < 12 && Math.abs(d[i + 1]! - c[1]!) < 12 && Math.abs(d[i + 2]! - c[2]!) < 12;
          return ['spectrum', 'throughput', 'p99'].map((id) => {
            const canvas = document.querySelector<HTMLCanvasElement>(`#${id} canvas`)!;
            const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
            const counts = colours.map(() => 0);
            let inked = 0;
            for (let i = 0; i < d.length; i += 4) {
              if (d[i + 3]! > 0) inked++;
              colours.forEach((c, k) => {
                if (near(d, i, c)) counts[k]!++;
              });
            }
            return { id, width: canvas.width, inked, counts };
          });
        },
        [BLUE, RED],
      );
      /* eslint-enable @typescript-eslint/no-non-null-assertion */
      const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);

      expect(errors).toEqual([]);
      expect(violations).toEqual([]);
      expect(requests).toEqual([url]);
      for (const chart of drawn) {
        expect(chart.width, chart.id).toBeGreaterThan(400);
        // Each chart's first two series (blue, red) are drawn; where their values meet (produced and consumed
        // rates often do), red is dashed over a wider blue, so each still shows and together they cover hundreds of pixels.
        expect(chart.counts[0], `${chart.id}: blue pixels`).toBeGreaterThan(10);
        expect(chart.counts[1], `${chart.id}: red pixels`).toBeGreaterThan(10);
        expect(defined(chart.counts[0]) + defined(chart.counts[1]), `${chart.id}: blue and red pixels`).toBeGreaterThan(150);
      }

      const shot = join(scratch, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      // Refreshes the README's picture: KTC_UPDATE_DOCS=1 npx vitest run --project integration test/integration/htmlReport.test.ts
      if (process.env.KTC_UPDATE_DOCS) copyFileSync(shot, join(repoRoot, 'docs', 'html-report.png'));
    } finally {
      await browser.close();
    }
  });
});
