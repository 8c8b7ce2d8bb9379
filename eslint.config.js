// Lint for what the type checker cannot see: floating promises, needless assertions, unsafe `any`
// flows. Types come from tsconfig.json through the project service, so every linted TypeScript file
// must be part of that project (src, providers, migrations, bench, test, set-env.ts) or of web/tsconfig.json.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  {
    // web/ (the operator page, .tsx) is typed by its own web/tsconfig.json, which the project service finds.
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // In the type-checked preset already; stated so that nobody weakens it by accident.
      '@typescript-eslint/no-floating-promises': 'error',
      // `_`-prefixed names mark a parameter that an interface requires but this implementation ignores.
      // Passing on a caught value or an AbortSignal's reason unchanged is not inventing a non-Error reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Fakes and stubs implement async contracts with synchronous bodies; `async` is what turns their
      // throws into rejections, as the real providers do. Forgotten awaits are still caught by
      // no-floating-promises, no-misused-promises and await-thenable.
      '@typescript-eslint/require-await': 'off',
      // chai's property assertions (`expect(x).to.be.empty`, `.to.be.NaN`) are getters that throw, which
      // this rule cannot tell from dead code. It is replaced by the narrower check below, which still
      // reports a statement with no effect unless it is a chain that starts at `expect(...)`.
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ExpressionStatement > :matches(Identifier, Literal, TemplateLiteral, BinaryExpression, LogicalExpression, ConditionalExpression, ArrayExpression, ObjectExpression, ArrowFunctionExpression, FunctionExpression, MemberExpression:not(:has(CallExpression[callee.name='expect'])))",
          message: 'This expression statement has no effect (only chai property assertions on `expect(...)` may stand alone).',
        },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      // Fastify's handlers and hooks are async by contract: the returned value is the reply and a throw is the
      // error reply (a synchronous hook would have to call `done`), whether or not the body awaits anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: [
      'test/integration/serviceApi.test.ts',
      'test/integration/outputs.test.ts',
      'test/integration/helpers/api.ts',
      'test/integration/helpers/declaredBody.ts',
      'test/integration/liveFeed.test.ts',
      'test/integration/helpers/liveSocket.ts',
    ],
    rules: {
      // These read JSON bodies of the service API, which OpenApiChecker validates against the served OpenAPI
      // document on every request: the schema is their type, so the `any` of a parsed body is accepted here.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (this file, scripts/*.mjs, deploy helpers) runs in Node and has no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
);
