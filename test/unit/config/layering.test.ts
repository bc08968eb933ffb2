import { describe, expect, it } from 'vitest';
import { moduleReferences, moduleReferencesIn, resolvedFrom, sourceFiles } from '../../helpers/sourceImports.js';

/**
 * Flags → config → run: the configuration owns the vocabularies (engine, assignor and codec names, payload
 * sizes) that engine/ and run/ import, never the other way round. A value import from engine/ or run/ would
 * load kafkajs, the wire engine or the send loop just to parse flags.
 */
describe('src/config', () => {
  const files = sourceFiles('src/config');

  it('is what this test reads', () => {
    expect(files).toContain('src/config/clientFlags.ts');
    expect(files).toContain('src/config/buildRunConfig.ts');
  });

  it('imports nothing from src/engine or src/run but types', () => {
    const offending = files.flatMap((file) =>
      moduleReferences(file)
        .filter((ref) => ref.specifier.startsWith('.') && !ref.typeOnly)
        .map((ref) => ({ ...ref, target: resolvedFrom(file, ref.specifier) }))
        .filter((ref) => /^src\/(engine|run)\//.test(ref.target))
        .map((ref) => `${file}:${ref.line} imports ${ref.specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('rests on a parser that tells type imports from value imports', () => {
    const refs = moduleReferencesIn(
      [
        "import type { A } from './a.js';",
        "import { type B } from './b.js';",
        "import { type C, D } from './c.js';",
        "import E from './e.js';",
        "import './f.js';",
        "export type { G } from './g.js';",
        "export { H } from './h.js';",
        "type I = import('./i.js').I;",
        "const j = await import('./j.js');",
        "const k = require('./k.js');",
      ].join('\n'),
    );
    expect(refs.map((r) => `${r.specifier} ${r.typeOnly ? 'type' : 'value'}`)).toEqual([
      './a.js type',
      './b.js type',
      './c.js value',
      './e.js value',
      './f.js value',
      './g.js type',
      './h.js value',
      './i.js type',
      './j.js value',
      './k.js value',
    ]);
  });
});
