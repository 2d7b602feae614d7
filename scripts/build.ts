/**
 * `npm run build`: compiles the functions (and the shared and jobs code they use)
 * to JavaScript and packs the one source archive every Cloud Function is deployed
 * from, `dist/functions.zip` (infra/README.md, "Build the functions"):
 * - `index.js` loads the function named by FUNCTION_TARGET;
 * - `package.json` lists exactly the runtime packages the compiled code imports;
 * - `altus.config.json`, the fleet configuration the functions read;
 * - the dashboard's browser bundle (scripts/dashboard-bundle.ts), where the
 *   dashboard function reads it, so no bundler runs at deploy time.
 * The archive is deterministic (sorted entries, fixed timestamps), so its hash —
 * which names the uploaded object — changes only when its content does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { writeDashboardBundle } from './dashboard-bundle.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'dist', 'build');
const ARCHIVE = join(ROOT, 'dist', 'functions.zip');
const FIXED_TIME = new Date('2020-01-01T00:00:00Z');

/** Every file under `dir`, sorted, as paths relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name), base) : [relative(base, join(dir, entry.name))]))
    .sort();
}

/** Package names the compiled code imports (bare specifiers, not node: builtins). */
function importedPackages(files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(OUT, file), 'utf8');
    for (const match of code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"'.][^"']*)["']/g)) {
      const spec = match[1]!;
      if (spec.startsWith('node:')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return [...names].sort();
}

rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

const functionNames = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && statSync(join(ROOT, 'functions', d.name, 'index.ts'), { throwIfNoEntry: false }))
  .map((d) => d.name)
  .sort();
const entries = Object.fromEntries(functionNames.map((name) => [name, `./functions/${name}/index.js`]));
writeFileSync(
  join(OUT, 'index.js'),
  `// Loads the Cloud Function named by FUNCTION_TARGET; each registers itself with the Functions Framework.
const entries = ${JSON.stringify(entries, null, 2)};
const target = process.env.FUNCTION_TARGET;
if (!target || !(target in entries)) {
  throw new Error(\`FUNCTION_TARGET must be one of \${Object.keys(entries).join(', ')} (got \${target})\`);
}
await import(entries[target]);
`,
);
copyFileSync(join(ROOT, 'altus.config.json'), join(OUT, 'altus.config.json'));
await writeDashboardBundle(join(OUT, 'functions/dashboard/bundle'));

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
const packages = importedPackages(filesUnder(OUT));
const missing = packages.filter((p) => !(p in root.dependencies));
if (missing.length) throw new Error(`the functions import packages that are not runtime dependencies: ${missing.join(', ')}`);
writeFileSync(
  join(OUT, 'package.json'),
  JSON.stringify(
    {
      name: 'altus-functions',
      version: root.version,
      private: true,
      type: 'module',
      main: 'index.js',
      engines: { node: '>=20' },
      dependencies: Object.fromEntries(packages.map((p) => [p, root.dependencies[p]!])),
    },
    null,
    2,
  ) + '\n',
);

const zip = new yazl.ZipFile();
for (const file of filesUnder(OUT)) {
  if (file.endsWith('.map')) continue;
  zip.addFile(join(OUT, file), file, { mtime: FIXED_TIME, mode: 0o100644 });
}
zip.end();
await new Promise<void>((resolve, reject) => zip.outputStream.pipe(createWriteStream(ARCHIVE)).on('close', resolve).on('error', reject));
process.stdout.write(
  `dist/functions.zip: ${functionNames.length} functions (${functionNames.join(', ')}), ${packages.length} runtime packages, ${statSync(ARCHIVE).size} bytes\n`,
);
