import { resolve } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  HOSTILE,
  HOSTILE_OUTPUT_ACTION,
  HOSTILE_REASON,
  hostilePlan,
  inertOutsideCode,
  scaledPlan,
} from '../../action-tests/terraform-plans.ts';
import { analysePlan, classify, type PlanJson, summaryLine } from './plan.ts';
import {
  code,
  cutWellFormed,
  fenced,
  isMarkerOf,
  markerLine,
  renderComment,
  type RenderInput,
} from './render.ts';
import { cleanText, Redactor } from './text.ts';

const FIXTURES = resolve(import.meta.dirname, '../../action-tests/fixtures/terraform');
const footer = {
  sha: 'b'.repeat(40),
  runUrl: 'https://github.com/acme/shop/actions/runs/9',
  time: new Date(0),
  tool: 'terraform',
};

function input(json: unknown, text: string, over: Partial<RenderInput> = {}): RenderInput {
  const analysis = analysePlan(json as PlanJson);
  const redactor = new Redactor(analysis.sensitiveValues);
  return {
    key: { directory: 'infra', workspace: 'default', label: '' },
    status: analysis.hasChanges ? 'changes' : 'no-changes',
    analysis,
    text: redactor.text(cleanText(text)),
    errors: [],
    redactor,
    footer,
    ...over,
  };
}

describe('code and fences cannot be broken out of', () => {
  test.each(['a`b', '``x``', '`', 'line\nbreak', '</details>'])('%p', (s) => {
    const c = code(s);
    expect(inertOutsideCode(c)).toEqual([]);
    expect(c).not.toContain('\n');
  });
  test('a fence longer than any backtick run inside', () => {
    expect(fenced('```\n</details>\n````')).toMatch(/^`{5}text\n/);
  });
});

test('the marker identifies directory, workspace and label, and only as the first line', () => {
  const key = { directory: 'infra', workspace: 'prod', label: 'a -->b' };
  expect(markerLine(key)).toBe('<!-- terraform-plan-comment dir=infra workspace=prod label=a%20--%3Eb -->');
  expect(isMarkerOf(`${markerLine(key)}\nbody`, key)).toBe(true);
  expect(isMarkerOf(`${markerLine(key)}\nbody`, { ...key, label: '' })).toBe(false);
  expect(isMarkerOf(`> ${markerLine(key)}`, key)).toBe(false);
});

test('replace covers both orders', () => {
  const rc = (actions: string[]) => classify({ address: 'a.b', change: { actions } });
  expect(rc(['delete', 'create'])).toMatchObject({ kind: 'replace', createBeforeDestroy: false });
  expect(rc(['create', 'delete'])).toMatchObject({ kind: 'replace', createBeforeDestroy: true });
  const a = analysePlan({
    format_version: '1.2',
    resource_changes: [
      { address: 'x.cbd', change: { actions: ['create', 'delete'] } },
      { address: 'x.dtc', change: { actions: ['delete', 'create'] } },
      { address: 'x.imp', change: { actions: ['no-op'], importing: { id: 'i-1' } } },
      { address: 'x.new', previous_address: 'x.old', change: { actions: ['no-op'] } },
      { address: 'x.f', change: { actions: ['forget'] } },
    ],
  });
  expect(summaryLine(a)).toBe(
    'Plan: 1 to import, 2 to add, 0 to change, 2 to destroy. (2 to replace, 1 to move, 1 to forget.)',
  );
  const md = renderComment(
    input(
      {
        format_version: '1.2',
        resource_changes: [
          { address: 'x.cbd', change: { actions: ['create', 'delete'] } },
          { address: 'x.dtc', change: { actions: ['delete', 'create'] } },
        ],
      },
      '',
    ),
    { maxChars: 65_000, fullRenderingHint: '' },
  ).markdown;
  expect(md).toContain('> - `x.cbd` — replaced (new one created first, then the old one destroyed)');
  expect(md).toContain('> - `x.dtc` — replaced (destroyed first, then created again)');
});

test('hostile names, values and text are inert; sensitive and secret-looking values are gone', () => {
  const plan = hostilePlan(FIXTURES);
  const md = renderComment(
    input(plan.json, plan.text, {
      key: { directory: '</details>', workspace: 'default', label: '@octocat `x`' },
    }),
    {
      maxChars: 65_000,
      fullRenderingHint: '',
    },
  ).markdown;
  expect(inertOutsideCode(md)).toEqual([]);
  for (const h of HOSTILE) expect(md).toContain(h.split('\n')[0]!.slice(0, 5));
  expect(md).not.toContain(plan.secret);
  expect(md).not.toContain('s3cr3t-only-in-the-text');
  // An action_reason and output actions Terraform never writes are shown, but only as code.
  expect(md).toContain(`reason \`${HOSTILE_REASON}\``);
  expect(md).toContain(`\`${HOSTILE_OUTPUT_ACTION}\`, \`create\``);
  expect(md).toContain(`— destroyed: reason \`${HOSTILE[0]}\``);
});

test('an unknown action_reason and unknown output actions are inert in the destroy list and entries', () => {
  const json = {
    format_version: '1.2',
    resource_changes: [
      { address: 'x.a', action_reason: HOSTILE_REASON, change: { actions: ['delete'] } },
      { address: 'x.b', action_reason: '`` </details>', change: { actions: ['delete', 'create'] } },
    ],
    output_changes: { o: { actions: [HOSTILE_OUTPUT_ACTION], before: 'a', after: 'b' } },
  };
  const md = renderComment(input(json, ''), { maxChars: 65_000, fullRenderingHint: '' }).markdown;
  expect(inertOutsideCode(md)).toEqual([]);
  expect(md).toContain(`> - \`x.a\` — destroyed: reason \`${HOSTILE_REASON}\``);
  expect(md).toContain('- `x.a` — reason `' + HOSTILE_REASON + '`');
  expect(md).toContain('reason ``` `` </details> ```');
  expect(md).toContain(`- \`o\` (\`${HOSTILE_OUTPUT_ACTION}\`): \`"a"\` → \`"b"\``);
});

test('a sensitive mask of true on a whole object redacts every attribute; short values do not leak', () => {
  const json = {
    format_version: '1.2',
    resource_changes: [
      {
        address: 'x.whole',
        change: {
          actions: ['update'],
          before: { pin: '42', name: 'a' },
          after: { pin: '7', name: 'b' },
          before_sensitive: true,
          after_sensitive: true,
        },
      },
      {
        address: 'x.attr',
        change: {
          actions: ['update'],
          before: { code: 'ab', n: 1 },
          after: { code: 'cd', n: 2 },
          before_sensitive: { code: true },
          after_sensitive: { code: true },
        },
      },
    ],
    resource_drift: [
      {
        address: 'x.drifted',
        change: {
          actions: ['update'],
          before: { k: 'q' },
          after: { k: 'r' },
          before_sensitive: true,
          after_sensitive: true,
        },
      },
    ],
    output_changes: {
      pin: { actions: ['update'], before: '12', after: '34', before_sensitive: true, after_sensitive: true },
    },
  };
  const md = renderComment(input(json, ''), { maxChars: 65_000, fullRenderingHint: '' }).markdown;
  expect(md).toContain('  - `name`: `(sensitive)` → `(sensitive)`');
  expect(md).toContain('  - `pin`: `(sensitive)` → `(sensitive)`');
  expect(md).toContain('  - `code`: `(sensitive)` → `(sensitive)`');
  expect(md).toContain('  - `k`: `(sensitive)` → `(sensitive)`');
  expect(md).toContain('  - `n`: `1` → `2`');
  expect(md).toContain('- `pin` (`update`): `(sensitive)` → `(sensitive)`');
  for (const v of ['"42"', '"7"', '"a"', '"b"', '"ab"', '"cd"', '"q"', '"r"', '"12"', '"34"'])
    expect(md).not.toContain(v);
});

/** The fence still open at the end of `md` ('' when every fenced block is closed). */
function unclosedFence(md: string): string {
  let fence = '';
  for (const line of md.split('\n')) {
    if (!fence) fence = /^(`{3,}|~{3,})/.exec(line)?.[1] ?? '';
    else if (new RegExp(`^\\s*\\${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = '';
  }
  return fence;
}

describe('size', () => {
  test.each([2_000, 10_000, 65_000])(
    'a 3,000-resource plan fits in %p characters with header, summary and destroy list',
    (max) => {
      const plan = scaledPlan(FIXTURES, 3000, 5);
      const r = renderComment(input(plan.json, plan.text), {
        maxChars: max,
        fullRenderingHint: 'see the run.',
      });
      expect(r.truncated).toBe(true);
      expect(r.markdown.length).toBeLessThanOrEqual(max);
      expect(r.markdown).toContain('### Terraform plan:');
      expect(r.markdown).toContain(`**${plan.summary}**`);
      for (const a of plan.destroyed) expect(r.markdown).toContain(`> - \`${a}\``);
      expect(r.markdown).toContain('This comment was shortened');
      expect(r.markdown).toMatch(/<sub>commit/);
    },
  );
  test.each([400, 700, 1_200])(
    'a limit smaller than the head (%p) still gives well-formed Markdown: fences and details closed',
    (max) => {
      const plan = hostilePlan(FIXTURES);
      const r = renderComment(
        input(plan.json, plan.text, {
          status: 'failed',
          errors: ['Error: ```\n</details>\n' + 'x'.repeat(3000)],
          key: { directory: 'd'.repeat(150), workspace: 'w'.repeat(150), label: '' },
        }),
        { maxChars: max, fullRenderingHint: 'see the run.' },
      );
      expect(r.markdown.length).toBeLessThanOrEqual(max);
      expect(r.markdown.startsWith('<!-- terraform-plan-comment')).toBe(true);
      expect(inertOutsideCode(r.markdown)).toEqual([]);
      expect(unclosedFence(r.markdown)).toBe('');
    },
  );
  test('at the smallest max-comment-chars (2,000) the longest key the inputs allow keeps its marker', () => {
    // working-directory: 500 URL-encoded characters; workspace: 90; label: 100 characters that
    // each encode to 9 (3-byte UTF-8).
    const key = { directory: 'd'.repeat(500), workspace: 'w'.repeat(90), label: '€'.repeat(100) };
    expect(markerLine(key).length).toBeGreaterThan(1_500);
    const plan = hostilePlan(FIXTURES);
    const r = renderComment(
      input(plan.json, plan.text, { status: 'failed', errors: ['Error: ' + 'x'.repeat(5000)], key }),
      { maxChars: 2_000, fullRenderingHint: 'see the run.' },
    );
    expect(r.markdown.length).toBeLessThanOrEqual(2_000);
    expect(isMarkerOf(r.markdown, key)).toBe(true);
  });
  test('cutWellFormed closes an open fence and details on a line boundary', () => {
    const md = [
      '<details><summary>s</summary>',
      '',
      '````text',
      'a',
      'b',
      'c',
      '````',
      '',
      '</details>',
    ].join('\n');
    const cut = cutWellFormed(md, 60);
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(unclosedFence(cut)).toBe('');
    expect(cut).toMatch(/\n````\n<\/details>$/);
    expect(inertOutsideCode(cut)).toEqual([]);
  });
  test('the text plan is cut first, on a line boundary', () => {
    const plan = scaledPlan(FIXTURES, 40, 1);
    const full = renderComment(input(plan.json, plan.text), { maxChars: 1_000_000, fullRenderingHint: '' });
    expect(full.truncated).toBe(false);
    const r = renderComment(input(plan.json, plan.text), {
      maxChars: full.markdown.length - 500,
      fullRenderingHint: '',
    });
    expect(r.markdown).toContain('module.fleet_0.test_instance.node_39'); // all detail kept
    expect(r.markdown).toMatch(/… \d+ more lines? cut to fit the comment\n`{3}/);
    const block = r.markdown.split('```text\n')[1]!.split('\n… ')[0]!;
    for (const line of block.split('\n')) expect(plan.text.split('\n')).toContain(line);
  });
});
