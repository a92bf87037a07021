/**
 * `run`'s flags (strict, like `up`'s), the --scenario filter, the Jest config of a run, the run
 * directory and `reports/latest`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseRunArgs, UsageError } from '../cli/args';
import { listScenarioFiles, runJestConfig, selectScenarios } from '../cli/run-plan';
import { makeRunDir, newRunId, updateLatest } from '../report/write';
import { tempDir } from '../testing/temp-dir';

const ROOT = path.resolve(__dirname, '../..');

describe('run flags', () => {
  it('should default the seed to ZPG_SEED, then 1, and take --scenario and --seed', () => {
    expect(parseRunArgs([], {})).toEqual({ seed: 1 });
    expect(parseRunArgs([], { ZPG_SEED: '9' })).toEqual({ seed: 9 });
    expect(parseRunArgs(['--seed', '5'], { ZPG_SEED: '9' })).toEqual({ seed: 5 });
    expect(parseRunArgs(['--seed=-2', '--scenario', ' removes '], {})).toEqual({ seed: -2, scenario: 'removes' });
    expect(parseRunArgs(['--scenario=scenarios/delivery/removes.test.ts'], {})).toEqual({ seed: 1, scenario: 'scenarios/delivery/removes.test.ts' });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['removes'], "Unexpected argument 'removes'"],
    [['--seed'], "Option '--seed <value>' argument missing"],
    [['--seed', '1.5'], '--seed must be an integer, not 1.5'],
    [['--seed', 'abc'], '--seed must be an integer, not abc'],
    [['--seed', '99999999999999999999'], '--seed must be an integer'],
    [['--scenario', ''], '--scenario needs a name or a part of a path'],
    [['--json'], "Unknown option '--json'"],
  ])('should refuse %j with a usage error', (argv, message) => {
    expect(() => parseRunArgs(argv, {})).toThrow(UsageError);
    expect(() => parseRunArgs(argv, {})).toThrow(message);
  });

  it('should refuse a ZPG_SEED that is not an integer', () => {
    expect(() => parseRunArgs([], { ZPG_SEED: 'x' })).toThrow('ZPG_SEED must be an integer, not x');
  });
});

describe('scenario selection', () => {
  const files = ['scenarios/delivery/removes.test.ts', 'scenarios/delivery/redaction.test.ts', 'scenarios/registration/server-lifecycle.test.ts'];

  it('should match a name or any part of the path, case-insensitively, and ./ or absolute paths', () => {
    expect(selectScenarios(files, undefined, ROOT)).toEqual(files);
    expect(selectScenarios(files, 'removes', ROOT)).toEqual(['scenarios/delivery/removes.test.ts']);
    expect(selectScenarios(files, 'DELIVERY/re', ROOT)).toEqual(files.slice(0, 2));
    expect(selectScenarios(files, './scenarios/registration/server-lifecycle.test.ts', ROOT)).toEqual([files[2]]);
    expect(selectScenarios(files, path.join(ROOT, 'scenarios/delivery/removes.test.ts'), ROOT)).toEqual([files[0]]);
  });

  it('should refuse a filter that matches nothing, listing the scenarios', () => {
    expect(() => selectScenarios(files, 'nothing-like-this', ROOT)).toThrow(UsageError);
    expect(() => selectScenarios(files, 'nothing-like-this', ROOT)).toThrow(/no scenario matches "nothing-like-this"; the scenarios are:\n {2}scenarios\/delivery\/removes\.test\.ts/);
  });

  it('should list the *.test.ts files under the scenario directory, relative to the root, sorted', () => {
    const root = tempDir('zpg-scenarios-');
    for (const f of ['scenarios/b/two.test.ts', 'scenarios/a.test.ts', 'scenarios/b/helper.ts', 'scenarios/node_modules/x.test.ts', 'scenarios/.hidden/y.test.ts', 'other/z.test.ts']) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), '');
    }
    expect(listScenarioFiles(root, 'scenarios')).toEqual(['scenarios/a.test.ts', 'scenarios/b/two.test.ts']);
    expect(listScenarioFiles(root, path.join(root, 'other'))).toEqual(['other/z.test.ts']);
    expect(listScenarioFiles(ROOT, 'fixtures/run-suite')).toEqual(['fixtures/run-suite/failing.test.ts', 'fixtures/run-suite/leaky.test.ts', 'fixtures/run-suite/passing.test.ts']);
    expect(() => listScenarioFiles(ROOT, 'no/such/dir')).toThrow(UsageError);
  });
});

describe("a run's Jest config", () => {
  it("should be the project's, with the scenario root, the progress reporter and jest-junit writing into the run directory", () => {
    const config = runJestConfig({ root: ROOT, scenariosDir: 'scenarios', reportDir: '/r/run-1', resultsFile: '/tmp/x.json', reporter: '/p/progress-reporter.cjs' });
    expect(config.rootDir).toBe(ROOT);
    expect(config.roots).toEqual([path.join(ROOT, 'scenarios')]);
    expect(config.transform).toBeDefined();
    expect(config.testTimeout).toBe(30_000);
    expect(config.reporters).toEqual([
      ['/p/progress-reporter.cjs', { resultsFile: '/tmp/x.json' }],
      ['jest-junit', expect.objectContaining({ outputDirectory: '/r/run-1', outputName: 'junit.xml', suiteNameTemplate: '{filepath}' })],
    ]);
    // it travels as JSON on Jest's command line
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});

describe('the run directory and reports/latest', () => {
  it('should make a fresh directory per run and point latest at the newest', () => {
    const root = tempDir('zpg-reports-');
    const now = new Date(Date.UTC(2025, 0, 31, 12, 0, 0, 5));
    expect(newRunId(now)).toBe('2025-01-31T12-00-00-005Z');
    const a = makeRunDir(root, now);
    const b = makeRunDir(root, now);
    expect([a.runId, b.runId]).toEqual(['2025-01-31T12-00-00-005Z', '2025-01-31T12-00-00-005Z-2']);
    expect(fs.statSync(b.dir).isDirectory()).toBe(true);

    updateLatest(root, a.runId);
    updateLatest(root, b.runId);
    expect(fs.readlinkSync(path.join(root, 'latest'))).toBe(b.runId);
    expect(fs.realpathSync(path.join(root, 'latest'))).toBe(fs.realpathSync(b.dir));
    expect(fs.readdirSync(root).sort()).toEqual([a.runId, b.runId, 'latest']);
  });

  it('should leave a latest that is not a symlink alone and say so', () => {
    const root = tempDir('zpg-reports-');
    fs.mkdirSync(path.join(root, 'latest', 'mine'), { recursive: true });
    expect(() => updateLatest(root, 'run-1')).toThrow(/could not point .*latest at run-1/);
    expect(fs.existsSync(path.join(root, 'latest', 'mine'))).toBe(true);
    expect(fs.readdirSync(root)).toEqual(['latest']);
  });
});
