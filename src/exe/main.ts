/**
 * The single executable's entry (bin/build-exe.mjs bundles it; bin/ktc.js is the same for the npm package).
 * A password given with -p is visible in ps until the command line is overwritten: do that before ktc's modules
 * initialise, which the dynamic import below defers.
 */
const argv = process.argv.slice(2);
if (argv.some((a) => a === '-p' || a === '--password' || a.startsWith('--password=') || (a.startsWith('-p') && !a.startsWith('--')))) {
  process.title = 'ktc';
}
void import('../cli/main.js').then(({ run }) => run());
