#!/usr/bin/env node
// A password given with -p is visible in ps until the command line is overwritten: do that before loading
// anything (ktc's modules take a moment to load), so the window is only Node's own start.
const argv = process.argv.slice(2);
if (argv.some((a) => a === '-p' || a === '--password' || a.startsWith('--password=') || (a.startsWith('-p') && !a.startsWith('--')))) {
  process.title = 'ktc';
}
const { run } = await import('../dist/src/cli/main.js');
await run();
