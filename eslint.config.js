import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/gen/', 'dist/', '.data/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration in src/shared/config/ only' }],
    },
  },
  {
    files: ['src/shared/config/**', 'test/**', 'bench/**', 'scripts/**', 'src/*/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
