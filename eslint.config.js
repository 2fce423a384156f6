import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default ts.config(
  {
    ignores: ['node_modules', 'dist', 'dist-*', 'models/train', 'test/fixtures', 'public', '.gl'],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      // TypeScript checks names; no-undef misreads declared globals.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    // Boundaries: the UI never imports a model runtime (the workers own them), and only
    // src/lib/wallet touches viem's wallet side.
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'onnxruntime-web', message: 'Only workers import onnxruntime-web.' },
            { name: 'onnxruntime-web/webgpu', message: 'Only workers import onnxruntime-web.' },
            { name: '@huggingface/transformers', message: 'Only workers import transformers.js.' },
          ],
        },
      ],
    },
  },
  {
    // Workers import nothing from the UI.
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src/lib/**'], message: 'Workers import only src/shared.' }] },
      ],
    },
  },
);
