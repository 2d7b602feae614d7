/**
 * Every relative link in the project's markdown (README.md, docs/, and the READMEs
 * beside the code) lands on a file that exists and, when it names one, on a
 * heading of that file: moving a section breaks no link unnoticed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { headingAnchor, headingAnchors, relativeLinks } from '../support/markdown-links.ts';

const ROOT = join(import.meta.dirname, '../..');
// Generated, installed or local-only folders: not the project's documentation.
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'cdktf.out', '.altus', '.gen', '.venv', '.venv-checkov', '.terraform']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : markdownFiles(join(dir, entry.name));
    return entry.name.endsWith('.md') ? [join(dir, entry.name)] : [];
  });
}

/** Why a link does not resolve, or null when it does. */
function brokenReason(from: string, target: string): string | null {
  const [rawPath = '', anchor] = target.split('#', 2);
  const path = rawPath === '' ? from : join(dirname(from), decodeURIComponent(rawPath));
  if (!existsSync(path)) return 'no such file';
  if (anchor === undefined || anchor === '') return null;
  if (statSync(path).isDirectory() || !path.endsWith('.md')) return 'an anchor into something that is not a markdown file';
  return headingAnchors(readFileSync(path, 'utf8')).has(anchor.toLowerCase()) ? null : `no heading #${anchor}`;
}

test('the checker: links outside code (their text may wrap), external ones left out; GitHub heading anchors', () => {
  const text = [
    'See [the manifest](docs/manifest.md#parameter-sources) and [`examples/`](examples).',
    'Not `[code](nowhere.md)`, not [a site](https://example.com), ![a picture](img/a.png).',
    '```',
    '[in a fence](fenced.md)',
    '```',
    '[same page](#tests), and a [link that',
    'wraps](docs/cli.md).',
  ].join('\n');
  assert.deepEqual(relativeLinks(text), [
    { line: 1, target: 'docs/manifest.md#parameter-sources' },
    { line: 1, target: 'examples' },
    { line: 2, target: 'img/a.png' },
    { line: 6, target: '#tests' },
    { line: 6, target: 'docs/cli.md' },
  ]);
  for (const [heading, anchor] of [
    ['Manifest reference (`altus/v1`)', 'manifest-reference-altusv1'],
    ['Deployment settings (`infra`)', 'deployment-settings-infra'],
    ['Without `outputs`', 'without-outputs'],
    ["Reading a run's Jobs", 'reading-a-runs-jobs'],
    ['The example: Bachelier options (`bachelier/`)', 'the-example-bachelier-options-bachelier'],
    ['On GKE: infrastructure', 'on-gke-infrastructure'],
  ] as const) {
    assert.equal(headingAnchor(heading), anchor, heading);
  }
  assert.deepEqual([...headingAnchors('# Cost\n## Cost\n```\n# not a heading\n```\n### Cost ##\n')], ['cost', 'cost-1', 'cost-2']);
});

test('the checker can fail: a missing file, a missing heading, an anchor into a folder', () => {
  const readme = join(ROOT, 'README.md');
  assert.equal(brokenReason(readme, 'docs/no-such-page.md'), 'no such file');
  assert.equal(brokenReason(readme, '#no-such-heading'), 'no heading #no-such-heading');
  assert.equal(brokenReason(readme, 'docs#x'), 'an anchor into something that is not a markdown file');
  assert.equal(brokenReason(readme, 'docs/README.md'), null);
});

test('every relative link in README.md, docs/ and the READMEs beside the code resolves, anchors included', () => {
  const files = markdownFiles(ROOT);
  for (const required of ['README.md', 'docs/README.md']) assert.ok(files.includes(join(ROOT, required)), `${required} is missing`);
  const broken = files.flatMap((file) =>
    relativeLinks(readFileSync(file, 'utf8')).flatMap(({ line, target }) => {
      const reason = brokenReason(file, target);
      return reason === null ? [] : [`${relative(ROOT, file)}:${line}: ${target} (${reason})`];
    }),
  );
  assert.deepEqual(broken, []);
});
