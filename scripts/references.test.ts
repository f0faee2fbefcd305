// Every reference in the repository can be followed by a reader who has only the repository: no path
// outside it, no issue number of a tracker the reader cannot see, and every `contract §N` names a
// section heading (`## N. …`) of docs/contract.md. Runs without the platform.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Files whose text is not ours to word: the lockfile and the raw measurements of perf runs. */
const SKIPPED = [/^pnpm-lock\.yaml$/, /^perf\/results\/[^/]+\.json$/];

const OUTSIDE_REFERENCE = /\.\.\/shared\b|shared\/spec|\bspec\s(?:§|\\u00a7)|\bspec\ssection/i;
const ISSUE_NUMBER = /\b[Ii]ssues? #?\d+\b/;
/** `contract §5`, `Contract §1–§3`, `contract §5, §6`, `contract §2 and §4` (a bare number only in a range). */
const CONTRACT_SECTIONS = /\bcontract\s+§\s?\d+(?:\s*[-–]\s*§?\s?\d+|\s*(?:,|and|&)\s*§\s?\d+)*/gi;

/** The section numbers of docs/contract.md: its `## N. Title` headings. */
function contractSections(markdown: string): Set<number> {
  return new Set([...markdown.matchAll(/^## (\d+)\. /gm)].map((match) => Number(match[1])));
}

/** What is wrong with one text, line by line (1-based line numbers). */
function referenceProblems(text: string, sections: ReadonlySet<number>): { line: number; problem: string }[] {
  const problems: { line: number; problem: string }[] = [];
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    const outside = OUTSIDE_REFERENCE.exec(content);
    if (outside) problems.push({ line, problem: `reference outside the repository: "${outside[0]}"` });
    const issue = ISSUE_NUMBER.exec(content);
    if (issue) problems.push({ line, problem: `issue number: "${issue[0]}" (say the reason in words)` });
    for (const match of content.matchAll(CONTRACT_SECTIONS)) {
      const missing = [...match[0].matchAll(/\d+/g)].map(Number).filter((n) => !sections.has(n));
      if (missing.length > 0) {
        problems.push({ line, problem: `"${match[0]}": docs/contract.md has no section ${missing.join(', ')}` });
      }
    }
  });
  return problems;
}

function trackedTextFiles(): { path: string; text: string }[] {
  const paths = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    if (path === '' || SKIPPED.some((pattern) => pattern.test(path))) continue;
    const absolute = join(root, path);
    if (!existsSync(absolute)) continue; // deleted in the working tree, not yet committed
    const bytes = readFileSync(absolute);
    if (bytes.subarray(0, 8000).includes(0)) continue; // binary
    files.push({ path, text: bytes.toString('utf8') });
  }
  return files;
}

describe('the matcher', () => {
  const sections = new Set([1, 2, 3, 4, 5, 6, 7, 8]);
  const problemsOf = (text: string) =>
    referenceProblems(text, sections).map(({ problem }) =>
      problem.includes('has no section') ? 'no such section' : problem.split(':')[0],
    );
  // Built from parts, so that this file does not hold the references it forbids.
  const issue = 'iss' + 'ue';
  const shared = '..' + '/shared';

  it.each([
    [`see ${shared}/spec/api.md`, 'reference outside the repository'],
    ['the shared' + '/spec file', 'reference outside the repository'],
    ['as the spec' + ' §5 says', 'reference outside the repository'],
    ['in the spec' + ' section on errors', 'reference outside the repository'],
    ['"description": "events (spec' + ' \\u00a77)"', 'reference outside the repository'],
    [`(${issue} 11)`, 'issue number'],
    ['Iss' + "ue 13's target", 'issue number'],
    [`${issue}s 10 and 13`, 'issue number'],
    [`upstream ${issue} #5675`, 'issue number'],
    ['contract' + ' §9', 'no such section'],
    ['Contract' + ' §12: directory sync', 'no such section'],
    ['contract' + ' §1–§13', 'no such section'],
    ['contract' + ' §5, §6, §9', 'no such section'],
    ['contract' + ' §2 and §10', 'no such section'],
  ])('flags %j', (text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  it.each([
    'contract §1',
    'contract §1–§3, §5, §6, §8',
    'Contract §7: events ride on the write',
    'contract §5, 200 rps per organization',
    'a tissue 5 cm wide',
    '§9 custom roles, §10 verified domains (later sections)',
    'the OpenAPI document generated from schemas/',
  ])('accepts %j', (text) => {
    expect(problemsOf(text)).toEqual([]);
  });

  it('names the line of each problem', () => {
    expect(referenceProblems(`fine\ncontract §1\nsee ${issue} 4`, sections)).toEqual([
      { line: 3, problem: `issue number: "${issue} 4" (say the reason in words)` },
    ]);
  });

  it('reads the section numbers from the headings only', () => {
    expect([...contractSections('# Title\n## 1. One\ntext ## 4. no\n## 2. Two\n### 3. Sub\n')]).toEqual([1, 2]);
  });
});

describe('the repository', () => {
  it('has docs/contract.md with sections 1 to 8 at least, numbered in order (later ones land with their capability)', () => {
    const sections = [...contractSections(readFileSync(join(root, 'docs/contract.md'), 'utf8'))];
    expect(sections.length).toBeGreaterThanOrEqual(8);
    expect(sections).toEqual(sections.map((_, index) => index + 1));
  });

  it('holds no reference a reader of the repository cannot follow', () => {
    const sections = contractSections(readFileSync(join(root, 'docs/contract.md'), 'utf8'));
    const found = trackedTextFiles().flatMap(({ path, text }) =>
      referenceProblems(text, sections).map(({ line, problem }) => `${path}:${line}: ${problem}`),
    );
    expect(found).toEqual([]);
  });
});
