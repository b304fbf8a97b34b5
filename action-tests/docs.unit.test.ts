import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';

/**
 * The README examples are what users copy: every `uses: OWNER/REPO/actions/<name>@v1` step must
 * name an action that exists, pass only inputs its action.yml declares, and read only outputs
 * the action declares (`steps.<id>.outputs.<name>`).
 */
const ROOT = join(import.meta.dirname, '..');
const ACTIONS = readdirSync(join(ROOT, 'actions'));

interface ActionYml {
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
const declared = Object.fromEntries(
  ACTIONS.map((name) => {
    const yml = parse(readFileSync(join(ROOT, 'actions', name, 'action.yml'), 'utf8')) as ActionYml;
    return [name, { inputs: Object.keys(yml.inputs ?? {}), outputs: Object.keys(yml.outputs ?? {}) }];
  }),
);

/** The yaml blocks of a Markdown file, dedented (snippets may start inside a job's steps). */
function yamlBlocks(file: string): Array<{ index: number; doc: unknown }> {
  const md = readFileSync(join(ROOT, file), 'utf8');
  return [...md.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m, index) => {
    const lines = m[1]!.split('\n');
    const indents = lines
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .map((l) => /^ */.exec(l)![0].length);
    const cut = Math.min(...indents);
    const text = lines.map((l) => l.slice(Math.min(cut, /^ */.exec(l)![0].length))).join('\n');
    return { index, doc: parse(text) as unknown };
  });
}

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
function stepsIn(node: unknown, out: Step[] = []): Step[] {
  if (Array.isArray(node)) for (const n of node) stepsIn(n, out);
  else if (node && typeof node === 'object') {
    if (typeof (node as Step).uses === 'string') out.push(node);
    for (const v of Object.values(node) as unknown[]) stepsIn(v, out);
  }
  return out;
}
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) strings(v, out);
  return out;
}

const files = ['README.md', ...ACTIONS.map((name) => `actions/${name}/README.md`)];

describe.each(files)('%s', (file) => {
  const blocks = yamlBlocks(file);
  test('has yaml examples that use this package', () => {
    const ours = blocks.flatMap((b) => stepsIn(b.doc)).filter((s) => s.uses!.startsWith('OWNER/REPO/'));
    expect(ours.length).toBeGreaterThan(0);
  });

  test.each(blocks.map((b) => [b.index, b.doc] as const))(
    'example %p: actions, inputs and outputs exist',
    (_index, doc) => {
      const steps = stepsIn(doc);
      const ids = new Map<string, string>();
      for (const step of steps) {
        if (!step.uses!.startsWith('OWNER/REPO/')) continue;
        const m = /^OWNER\/REPO\/actions\/([a-z0-9-]+)@v1$/.exec(step.uses!);
        const action = m && ACTIONS.includes(m[1]!) ? m[1]! : undefined;
        // e.g. { uses: 'OWNER/REPO/actions/no-such@v1', action: undefined } fails here.
        expect({ uses: step.uses, action }).toEqual({ uses: step.uses, action: expect.any(String) });
        if (!action) continue;
        if (step.id) ids.set(step.id, action);
        const unknown = Object.keys(step.with ?? {}).filter((k) => !declared[action]!.inputs.includes(k));
        expect({ action, unknown }).toEqual({ action, unknown: [] });
      }
      for (const text of strings(doc)) {
        for (const [, id, output] of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
          const action = ids.get(id!);
          if (!action) continue; // a step of another action (e.g. checkout)
          expect({ action, output, known: declared[action]!.outputs.includes(output!) }).toEqual({
            action,
            output,
            known: true,
          });
        }
      }
    },
  );
});
