import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * A fenced TypeScript block of a README. A plain ```ts block is a complete program: it is
 * type-checked and run. A ```ts fragment block is only type-checked (it must still compile, so
 * it declares what it uses); it is for the rare example that cannot run on its own, such as a
 * test file for vitest.
 */
export interface CodeBlock {
  /** The README's path from the repository root, with `/` separators. */
  readme: string;
  /** Line of the README where the code starts (the line after the opening fence), from 1. */
  line: number;
  /** Position of the block among the README's TypeScript blocks, from 1. */
  index: number;
  fragment: boolean;
  code: string;
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage', '.examples']);
const TS_INFO = new Set(['ts', 'typescript', 'mts']);

/** Every README.md below `root`, sorted, as paths relative to it. */
export function findReadmes(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name === 'README.md') {
        found.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return found.sort();
}

/** The TypeScript blocks of one Markdown text, in order. */
export function typescriptBlocks(readme: string, markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  let open: { fence: string; indent: number; ts: boolean; fragment: boolean; line: number; body: string[] } | null = null;
  for (const [i, text] of lines.entries()) {
    if (!open) {
      const start = /^( *)(`{3,}|~{3,})\s*(.*)$/.exec(text);
      if (!start) continue;
      const [lang = '', ...flags] = start[3]!.trim().split(/\s+/);
      open = { fence: start[2]!, indent: start[1]!.length, ts: TS_INFO.has(lang), fragment: flags.includes('fragment'), line: i + 2, body: [] };
    } else if (text.trim().startsWith(open.fence) && text.trim().replaceAll(open.fence[0]!, '') === '') {
      if (open.ts) {
        const index = blocks.length + 1;
        blocks.push({ readme, line: open.line, index, fragment: open.fragment, code: `${open.body.join('\n')}\n` });
      }
      open = null;
    } else {
      // A block indented under a list item: drop the list's indentation.
      open.body.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
    }
  }
  return blocks;
}

/** Every TypeScript block of every README below `root`. */
export function readmeBlocks(root: string): CodeBlock[] {
  return findReadmes(root).flatMap((readme) => typescriptBlocks(readme, readFileSync(join(root, readme), 'utf8')));
}
