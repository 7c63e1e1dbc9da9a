import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));
const rootLicense = readFileSync(fileURLToPath(new URL('../../LICENSE', import.meta.url)), 'utf8');

const published = readdirSync(packagesDir).filter((dir) => {
  const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { private?: boolean };
  return !manifest.private;
});

// What the registry would receive: the file list of `pnpm pack`, which publishing uses. Under
// `pnpm test` npm_execpath is the pnpm that runs us; elsewhere the one on PATH.
function packedFiles(dir: string): string[] {
  const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
  const out = execFileSync(pnpm[0]!, [...pnpm.slice(1), 'pack', '--dry-run', '--json'], { cwd: join(packagesDir, dir), encoding: 'utf8' });
  return (JSON.parse(out) as { files: { path: string }[] }).files.map((f) => f.path);
}

describe('published packages', () => {
  it.each(published)('%s ships the MIT license and every source file its source maps point at', (dir) => {
    const files = packedFiles(dir);
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(packagesDir, dir, 'LICENSE'), 'utf8')).toBe(rootLicense);

    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing = maps.flatMap((map) => {
      const { sources } = JSON.parse(readFileSync(join(packagesDir, dir, map), 'utf8')) as { sources: string[] };
      return sources.map((source) => posix.join(posix.dirname(map), source)).filter((source) => !files.includes(source));
    });
    expect(missing).toEqual([]);
  });
});
