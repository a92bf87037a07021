/** @jest-config-loader-options {"transpileOnly": true, "compilerOptions": {"module": "CommonJS", "moduleResolution": "node10"}} */
import type { Config } from 'jest';

// TypeScript and the ESM-only packages (jose, faker, fast-check, @noble, cookie) are compiled to
// CommonJS by @swc/jest: Jest's CommonJS runtime on Node 20 cannot load ESM (toolchain-notes.md).
// Type checking is `tsc --noEmit`, run before jest by `npm test`.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/simulator', '<rootDir>/harness', '<rootDir>/scenarios'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|m?j)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@faker-js|@noble|fast-check|cookie)/)'],
  // End-to-end files are I/O bound: two workers per core keep both cores busy.
  maxWorkers: 4,
  // One throwaway CA for the run instead of RSA key generation in every test file.
  globalSetup: '<rootDir>/harness/testing/global-setup.ts',
  globalTeardown: '<rootDir>/harness/testing/global-teardown.ts',
  testTimeout: 30_000,
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: 'reports/jest',
        outputName: 'junit.xml',
        suiteNameTemplate: '{filepath}',
        classNameTemplate: '{classname}',
        titleTemplate: '{title}',
      },
    ],
  ],
};

export default config;
