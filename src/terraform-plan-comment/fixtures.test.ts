// Every real plan of action-tests/fixtures/terraform/ (Terraform's and OpenTofu's own test outputs,
// and users' logs through setup-terraform's wrapper) through the analysis and the rendering.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { analysePlan, parsePlanJson } from './plan.ts';
import { renderComment } from './render.ts';
import { cleanText, extractErrors, Redactor } from './text.ts';

const FIXTURES = resolve(import.meta.dirname, '../../action-tests/fixtures/terraform');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
const files = walk(FIXTURES);
const planJsons = files.filter((f) => f.endsWith('.json'));
const textPlans = files.filter((f) => f.endsWith('.txt') || /\/plan$/.test(f));

interface Rc {
  address: string;
  change: { actions: string[] } & Record<string, unknown>;
}
interface Raw {
  resource_changes?: Rc[];
  resource_drift?: Rc[];
  output_changes?: Record<string, { actions: string[] } & Record<string, unknown>>;
  variables?: Record<string, { value?: unknown }>;
  configuration?: { root_module?: { variables?: Record<string, { sensitive?: boolean }> } };
}

/** Independent of the code under test: every leaf value under a `true` of a sensitivity mask. */
function sensitiveLeaves(raw: Raw): string[] {
  const out: string[] = [];
  const leaves = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(leaves);
    else if (v && typeof v === 'object') Object.values(v).forEach(leaves);
  };
  const walkMask = (value: unknown, mask: unknown): void => {
    if (mask === true) return leaves(value);
    if (!mask || typeof mask !== 'object' || !value || typeof value !== 'object') return;
    for (const [k, m] of Object.entries(mask)) walkMask((value as Record<string, unknown>)[k], m);
  };
  const changes = [
    ...(raw.resource_changes ?? []).map((r) => r.change),
    ...(raw.resource_drift ?? []).map((r) => r.change),
    ...Object.values(raw.output_changes ?? {}),
  ];
  for (const c of changes) {
    walkMask(c.before, c.before_sensitive);
    walkMask(c.after, c.after_sensitive);
  }
  for (const [name, v] of Object.entries(raw.configuration?.root_module?.variables ?? {}))
    if (v.sensitive) leaves(raw.variables?.[name]?.value);
  return out.filter((v) => v.length >= 4);
}

const footer = {
  sha: 'a'.repeat(40),
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
  time: new Date(0),
  tool: 'terraform',
};

test('the fixtures are there (copied from ../shared/fixtures/terraform)', () => {
  expect(planJsons.length).toBeGreaterThanOrEqual(30);
  expect(textPlans.length).toBeGreaterThanOrEqual(20);
});

describe.each(planJsons.map((f) => [relative(FIXTURES, f), f]))('%s', (_name, file) => {
  const text = readFileSync(file, 'utf8');
  const raw = JSON.parse(text) as Raw;
  const analysis = analysePlan(parsePlanJson(text, file));
  const textFile = join(dirname(file), 'plan');
  const planText = existsSync(textFile) ? readFileSync(textFile, 'utf8') : '';
  const redactor = new Redactor(analysis.sensitiveValues);
  const rendered = renderComment(
    {
      key: { directory: 'infra', workspace: 'default', label: '' },
      status: analysis.errored ? 'failed' : analysis.hasChanges ? 'changes' : 'no-changes',
      analysis,
      text: redactor.text(cleanText(planText)),
      errors: [],
      redactor,
      footer,
    },
    { maxChars: 65_000, fullRenderingHint: 'see the job summary.' },
  ).markdown;

  test('counts equal what resource_changes, resource_drift and output_changes say', () => {
    const acts = (raw.resource_changes ?? []).map((r) => r.change.actions.join(','));
    const count = (pred: (a: string) => boolean) => acts.filter(pred).length;
    expect(analysis.counts).toMatchObject({
      add: count((a) => a.split(',').includes('create')),
      destroy: count((a) => a.split(',').includes('delete')),
      change: count((a) => a === 'update'),
      replace: count((a) => a === 'delete,create' || a === 'create,delete'),
      read: count((a) => a === 'read'),
      forget: count((a) => a.split(',').includes('forget')),
      drift: (raw.resource_drift ?? []).length,
      outputs: Object.values(raw.output_changes ?? {}).filter((o) => o.actions.join(',') !== 'no-op').length,
      import: (raw.resource_changes ?? []).filter((r) => r.change.importing).length,
      move: (raw.resource_changes ?? []).filter(
        (r) =>
          (r as { previous_address?: string }).previous_address !== undefined &&
          (r as { previous_address?: string }).previous_address !== r.address,
      ).length,
    });
  });

  test('every changed address, drifted address and changed output appears in the comment', () => {
    for (const r of raw.resource_changes ?? []) {
      const moved = (r as { previous_address?: string }).previous_address;
      const quiet =
        r.change.actions.join(',') === 'no-op' && !r.change.importing && !(moved && moved !== r.address);
      if (!quiet) expect(rendered).toContain(r.address);
    }
    for (const r of raw.resource_drift ?? []) expect(rendered).toContain(r.address);
    for (const [name, o] of Object.entries(raw.output_changes ?? {}))
      if (o.actions.join(',') !== 'no-op') expect(rendered).toContain(name);
  });

  test('no value marked sensitive appears anywhere in the comment', () => {
    for (const value of sensitiveLeaves(raw)) {
      expect(rendered).not.toContain(value);
      for (const line of value.split('\n'))
        if (line.trim().length >= 4) expect(rendered).not.toContain(line.trim());
    }
  });
});

describe.each(textPlans.map((f) => [relative(FIXTURES, f), f]))('text plan %s', (_name, file) => {
  const cleaned = cleanText(readFileSync(file, 'utf8'));
  test('no ANSI code, wrapper line or control character survives', () => {
    // eslint-disable-next-line no-control-regex
    expect(cleaned).not.toMatch(/\u001b|\r|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(cleaned).not.toMatch(/^(::[a-z-]+|\[command\]|##\[)/m);
    expect(cleaned).not.toContain('%0A');
  });
});

test('the failed plans give their Error: blocks, cleaned, without the warnings', () => {
  const dir = join(FIXTURES, 'getterminus-terraform-pr-commenter');
  const fail = extractErrors(cleanText(readFileSync(join(dir, 'tf_plan_fail.txt'), 'utf8')));
  expect(fail).toHaveLength(2);
  expect(fail[0]).toBe(
    'Error: Unauthorized\n\n  with kubernetes_cluster_role.test[0],\n  on test.tf line 18, in resource "kubernetes_cluster_role" "test":\n  18: resource "kubernetes_cluster_role" "test" {',
  );
  const partial = extractErrors(cleanText(readFileSync(join(dir, 'tf_plan_fail_partial.txt'), 'utf8')));
  expect(partial.length).toBeGreaterThanOrEqual(1);
  expect(partial[0]).toMatch(/^Error: Error in function call/);
  for (const e of [...fail, ...partial]) expect(e).not.toMatch(/Warning:/);
});

test('OpenTofu plan-error (errored: true) is a failed plan', () => {
  const file = join(FIXTURES, 'opentofu-opentofu/show-json/plan-error/output.json');
  const a = analysePlan(parsePlanJson(readFileSync(file, 'utf8'), file));
  expect(a.errored).toBe(true);
  expect(a.hasChanges).toBe(false);
});
