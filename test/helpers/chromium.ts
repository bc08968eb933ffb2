import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's chromium, as the browser tests drive it. */
export const CHROMIUM = process.env.KTC_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless browser that contacts nothing on its own (no updates, no first-run, no sync). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--hide-scrollbars',
];

/**
 * The browser's path, installing Debian's chromium package first when it is missing and this is a Debian
 * machine where we are root (CI is). Returns a reason instead when neither works, for the test to skip with.
 */
export function ensureChromium(): { path: string } | { missing: string } {
  if (existsSync(CHROMIUM)) return { path: CHROMIUM };
  if (!existsSync('/usr/bin/apt-get'))
    return { missing: `${CHROMIUM} is missing and this is not a Debian machine (install chromium, or set KTC_TEST_CHROMIUM)` };
  if (process.getuid?.() !== 0) return { missing: `${CHROMIUM} is missing and installing it needs root: apt-get install -y chromium` };
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    return {
      missing: `${CHROMIUM} is missing and apt-get install chromium failed (status ${String(install.status)}): ${install.stderr.trim().split('\n').pop() ?? ''}`,
    };
  }
  execFileSync(CHROMIUM, ['--version']);
  return { path: CHROMIUM };
}
