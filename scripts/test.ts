// `npm test`: every check and every test, one summary line, non-zero on any failure.
// Lint → generated files up to date → dependency rules → typecheck (tests included) → jest in native ESM
// mode (whose global setup starts and stops the local platform on test ports; the tests package every
// service and assert on the templates).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const resultsFile = join(root, '.local', 'jest-results.json');

interface Step {
  name: string;
  command: string;
  args: string[];
}

const steps: Step[] = [
  { name: 'lint', command: bin('biome'), args: ['ci', '.'] },
  // Generated files are committed: this fails when they differ from what schemas/ produces.
  { name: 'generated files', command: bin('pnpm'), args: ['--filter', '@tenantry/models', 'check:generated'] },
  // The layering (.dependency-cruiser.cjs): each violation names its rule and says why it exists.
  {
    name: 'dependency rules',
    command: bin('depcruise'),
    args: ['services', 'packages', '--config', '.dependency-cruiser.cjs', '--output-type', 'err-long'],
  },
  {
    name: 'typecheck',
    command: bin('turbo'),
    args: ['run', 'typecheck', '--concurrency=2', '--output-logs=errors-only'],
  },
  { name: 'typecheck scripts', command: bin('tsc'), args: ['-p', 'tsconfig.json'] },
];

const failedSteps: string[] = [];
for (const step of steps) {
  console.log(`\n▶ ${step.name}`);
  const { status } = spawnSync(step.command, step.args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) failedSteps.push(step.name);
}

console.log('\n▶ tests');
mkdirSync(join(root, '.local'), { recursive: true });
rmSync(resultsFile, { force: true });
const extra = process.argv.slice(2);
const jest = spawnSync(
  process.execPath,
  [join(root, 'scripts', 'jest.mjs'), '--json', `--outputFile=${resultsFile}`, ...extra],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numFailedTestSuites: number;
  };
  passed = results.numPassedTests;
  failed = results.numFailedTests + results.numFailedTestSuites;
} else {
  failed = 1;
}
if (jest.status !== 0 && failed === 0) failed = 1;

passed += steps.length - failedSteps.length;
failed += failedSteps.length;
if (failedSteps.length > 0) console.log(`\nfailed checks: ${failedSteps.join(', ')}`);
console.log(`\ntenantry: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
