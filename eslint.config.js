// The lint rules (`npm run lint`, run first by `npm test`): eslint's and typescript-eslint's
// recommended sets, plus the few rules that catch what bites this project. src/ is linted with
// type information (a promise nobody awaits is a task or a message silently lost); tests,
// benchmarks and examples without it, so lint needs no build. typescript-eslint runs on the
// TypeScript 6.0 JavaScript API (the package `typescript`), the build on TypeScript 7
// (`typescript7`): docs/design.md, "Lint and format".
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'build/**', 'prebuilds/**', 'native/**', 'node_modules/**', '**/*.tmp.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `import type` for what is only a type: the bundle and tsx drop it without guessing.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // The library takes any function a user passes and sends it by reference: `Function` is the honest type.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // `_name` marks a value kept on purpose (a disposable held by `await using _held`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // The public API is typed: no `any` in what users see.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests, benchmarks and examples: `any` at a test's edge is allowed (crafted hostile values).
    files: ['test/**', 'bench/**', 'soak/**', 'examples/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Holes are what the codec's fidelity tests send.
    files: ['test/**'],
    rules: { 'no-sparse-arrays': 'off' },
  },
  {
    // Compile-only checks of the public types: values exist to have their `typeof` compared.
    files: ['test/types/**'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
