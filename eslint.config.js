// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.ktc/', 'coverage/', 'tools/', 'deploy/', 'docs/'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // test/ has its own tsconfig.json (found by the project service); vitest.config.ts is in none.
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // Counts, sizes, ports and durations go into messages as plain numbers on purpose.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
      // An error caught elsewhere (typed unknown) is relayed as it came, not wrapped.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `const { dropped: _dropped, ...rest } = o` is how this code copies an object without a key.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // One-line callbacks that call a void function (`(c) => this.onData(c)`), and `return this.fail(p)` to end a
      // void function early, are this codebase's idioms; neither uses the void value.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
    },
  },
  {
    // Per-record and per-byte paths (batch encode/decode, checksums, the send loop, payloads, the sequence bitset):
    // indices there are bounded by the loop or the format just read, and a check per element would be work per
    // record. A wrong index still fails: decoders verify lengths and CRCs and throw CorruptBatchError.
    files: [
      'src/engine/wire/crc32c.ts',
      'src/engine/wire/xxhash32.ts',
      'src/engine/wire/recordBatch.ts',
      'src/engine/wire/recordBatchReader.ts',
      'src/engine/wire/frameDecoder.ts',
      'src/engine/wire/compression.ts',
      'src/run/sendLoop.ts',
      'src/run/payload.ts',
      'src/stats/seqBitset.ts',
    ],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  // Last: turns off every rule that would fight Prettier's formatting.
  prettier,
);
