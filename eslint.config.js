import js from '@eslint/js';
import globals from 'globals';
import angular from 'angular-eslint';
import tseslint from 'typescript-eslint';

/**
 * Files that still use `any` (when no-explicit-any was turned on): the rule is off for them only, so
 * every other file, and every new one, is checked. Remove a file from the list once its `any`s are
 * typed (`unknown` + a narrowing, a real interface, or a generic); do not add files.
 */
const LEGACY_ANY = ['server/src/executions/executions-query.service.ts', 'server/test/helpers/app.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.angular/', 'test-output/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Code files (not the admin's .html templates, which angular-eslint's template parser reads).
    files: ['**/*.{js,mjs,cjs,ts}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // Nest's DI reads constructor parameter types at run time: those imports must stay values.
    files: ['server/src/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/config/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through AppConfig (server/src/config).' },
      ],
    },
  },
  {
    files: ['admin/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Type-checked rules: what the code relies on (promises awaited or deliberately `void`ed, no
  // promise where a plain callback is expected, every union case of a switch handled, no `any`).
  // They need type information: server and libs files come from their tsconfig.json through the
  // project service; the admin has no tsconfig.json, so its tsconfig.app.json is named.
  {
    files: ['server/**/*.ts', 'libs/**/*.ts', 'admin/src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, allowDefaultCaseForExhaustiveSwitch: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['admin/src/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './admin/tsconfig.app.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  { files: LEGACY_ANY, rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Angular (angular-eslint): the recommended rules for components/services, and for templates —
  // the .html files and the inline `template:`s (extracted by processInlineTemplates).
  {
    files: ['admin/src/**/*.ts'],
    extends: [...angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    rules: {
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'app', style: 'kebab-case' }],
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: 'app', style: 'camelCase' }],
    },
  },
  {
    files: ['admin/src/**/*.html'],
    extends: [...angular.configs.templateRecommended],
  },
  {
    files: ['scripts/**', 'bench/**', 'bin/**', 'admin/e2e/**', 'examples/**', '**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
