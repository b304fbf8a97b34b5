import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { createPullRequest, type GitHubCall } from '../stack/github.ts';
import { REPO_ROOT, runWorkflow, stack, step } from './harness.ts';
import {
  HOSTILE_OUTPUT_ACTION,
  HOSTILE_REASON,
  inertOutsideCode,
  hostilePlan,
  overflowPlan,
} from '../terraform-plans.ts';

const SCENARIOS = 'action-tests/workflows/terraform-plan-comment.yml';
const EXAMPLE = '.github/workflows/terraform-plan.yml';
const INFRA = 'action-tests/sample-app/infra';
const FIXTURES = 'action-tests/fixtures/terraform';
/** The sensitive deploy key of the recorded sample plan (variable and SecureString value). */
const SENSITIVE_KEY_LINE = 'QyNTUxOQAAACDsampleDeployKeyNotARealSecretButTreatedAsOne0123456789abcd';

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

async function comments(pr: number): Promise<Comment[]> {
  const gh = stack().github;
  const all: Comment[] = [];
  for (let page = 1; ; page++) {
    const r = await fetch(`${gh.apiUrl}/repos/acme/shop/issues/${pr}/comments?per_page=100&page=${page}`, {
      headers: { authorization: `token ${gh.adminToken}` },
    });
    const batch = (await r.json()) as Comment[];
    all.push(...batch);
    if (batch.length < 100) return all;
  }
}

async function calls(): Promise<GitHubCall[]> {
  return ((await (await fetch(`${stack().github.adminUrl}/__admin/calls`)).json()) as { calls: GitHubCall[] })
    .calls;
}
async function clearCalls(): Promise<void> {
  await fetch(`${stack().github.adminUrl}/__admin/calls`, { method: 'DELETE' });
}

let prCounter = 0;
async function newPullRequest(): Promise<number> {
  const gh = stack().github;
  return createPullRequest(
    gh.apiUrl,
    gh.adminToken,
    `Infra change ${++prCounter}`,
    `feature/tf-${Date.now()}-${prCounter}`,
  );
}

function onPr(
  pr: number,
  opts: {
    vars?: Record<string, string>;
    env?: Record<string, string>;
    secrets?: Record<string, string>;
    workflow?: string;
  } = {},
) {
  return runWorkflow({
    workflow: opts.workflow ?? SCENARIOS,
    event: 'pull_request',
    payload: { number: pr, pull_request: { number: pr } },
    vars: opts.vars,
    env: opts.env,
    secrets: opts.secrets,
  });
}

const marked = (cs: Comment[]) => cs.filter((c) => c.body.startsWith('<!-- terraform-plan-comment'));

describe('one sticky comment per directory on a pull request', () => {
  let pr: number;
  let firstId: number;
  beforeAll(async () => {
    pr = await newPullRequest();
  });

  test('first run (the example workflow, terraform run by the action through setup-terraform) creates the comment', async () => {
    const result = await onPr(pr, { workflow: EXAMPLE });
    if (result.conclusion !== 'success') console.log(result.log);
    expect(result.conclusion).toBe('success');
    expect(result.log).toMatch(
      /stand-in for hashicorp\/setup-terraform@v3: put a replaying terraform on PATH .*wrapper on/,
    );
    expect(result.log).toContain('$ terraform plan -input=false -no-color -detailed-exitcode -out=');
    const out = step(result, 'plan').outputs;
    expect(out).toMatchObject({
      'has-changes': 'true',
      add: '5',
      change: '2',
      destroy: '2',
      replace: '1',
      import: '0',
      move: '0',
      drift: '1',
      'outputs-changed': '1',
      'exit-code': '2',
      summary: 'Plan: 5 to add, 2 to change, 2 to destroy. (1 to replace, 1 output to change.)',
    });
    const cs = marked(await comments(pr));
    expect(cs).toHaveLength(1);
    const c = cs[0]!;
    firstId = c.id;
    expect(out['comment-id']).toBe(String(c.id));
    expect(out['comment-url']).toContain(`#issuecomment-${c.id}`);
    expect(c.user.login).toBe('github-actions[bot]');
    expect(c.body).toContain(`### Terraform plan: \`${INFRA}\` · workspace \`default\` — ✅ plan ok`);
    expect(c.body).toContain(
      '**Plan: 5 to add, 2 to change, 2 to destroy. (1 to replace, 1 output to change.)**',
    );
    expect(c.body).toContain(
      '> - `aws_security_group.api` — replaced (new one created first, then the old one destroyed): an attribute cannot be updated in place',
    );
    expect(c.body).toContain(
      '> - `aws_ssm_parameter.legacy_api_url` — destroyed: no longer in the configuration',
    );
    expect(c.body).toContain('**Changed outside of Terraform** (1');
    expect(c.body).toContain('  # aws_lb.api[0] will be created'); // the text plan, collapsed
    // The wrapper's noise and the sensitive deploy key are nowhere.
    for (const text of [c.body, result.log, result.summary]) {
      expect(text).not.toContain(SENSITIVE_KEY_LINE);
      expect(text).not.toMatch(/::debug::|\[command\]/);
    }
    expect(c.body).not.toContain('terraform-bin');
    expect(result.summary).toContain('**Plan: 5 to add, 2 to change, 2 to destroy.');
    // The plan JSON (it holds sensitive values) was private and is gone after the post step.
    expect(out['plan-json-path']!.startsWith(result.runnerTemp)).toBe(true);
    expect(existsSync(out['plan-json-path']!)).toBe(false);
  });

  test('second run updates the same comment', async () => {
    await clearCalls();
    const result = await onPr(pr);
    expect(result.conclusion).toBe('success');
    expect(step(result, 'after').outputs).toBeDefined();
    expect(result.log).toMatch(/plan-json-mode=600/);
    const cs = marked(await comments(pr));
    expect(cs.map((c) => c.id)).toEqual([firstId]);
    expect(step(result, 'plan').outputs['comment-id']).toBe(String(firstId));
    const writes = (await calls()).filter((c) => c.method !== 'GET');
    expect(writes.map((c) => `${c.method} ${c.status}`)).toEqual(['PATCH 200']);
  });

  test('a second directory gets its own comment', async () => {
    const dir = `${FIXTURES}/opentofu-opentofu/equivalence-tests/drift_simple`;
    const result = await onPr(pr, {
      vars: { WORKING_DIRECTORY: dir, PLAN_JSON: 'plan.json', PLAN_TEXT: 'plan' },
    });
    expect(result.conclusion).toBe('success');
    const cs = marked(await comments(pr));
    expect(cs).toHaveLength(2);
    expect(cs[0]!.id).toBe(firstId);
    expect(cs[0]!.body).toContain('Plan: 5 to add');
    expect(cs[1]!.body).toContain(`### Terraform plan: \`${dir}\``);
    expect(cs[1]!.body).toContain('**Plan: 0 to add, 1 to change, 0 to destroy.**');
    expect(cs[1]!.body).toContain('OpenTofu will perform the following actions');
  });

  test('a second workspace of the same directory gets its own comment', async () => {
    const result = await onPr(pr, { vars: { WORKSPACE: 'staging' } });
    expect(result.conclusion).toBe('success');
    const cs = marked(await comments(pr));
    expect(cs).toHaveLength(3);
    expect(cs[2]!.body).toContain(`### Terraform plan: \`${INFRA}\` · workspace \`staging\` — ✅ plan ok`);
    expect(cs[0]!.body).toContain('workspace `default`');
    await fetch(`${stack().github.apiUrl}/repos/acme/shop/issues/comments/${cs[2]!.id}`, {
      method: 'DELETE',
      headers: { authorization: `token ${stack().github.adminToken}` },
    });
  });

  test('a plan that now has no changes updates the comment to "No changes"', async () => {
    const result = await onPr(pr, { env: { SAMPLE_TERRAFORM_RECORDING: 'sample-infra-no-changes' } });
    expect(result.conclusion).toBe('success');
    expect(step(result, 'plan').outputs).toMatchObject({
      'has-changes': 'false',
      'exit-code': '0',
      add: '0',
    });
    const cs = marked(await comments(pr));
    expect(cs).toHaveLength(2);
    expect(cs[0]!.id).toBe(firstId);
    expect(cs[0]!.body).toContain('— ✅ no changes');
    expect(cs[0]!.body).toContain('**No changes. Your infrastructure matches the configuration.**');
    expect(cs[0]!.body).not.toContain('Plan: 5 to add');
  });

  test('a failed plan turns the comment to failed and fails the step', async () => {
    const result = await onPr(pr, { env: { SAMPLE_TERRAFORM_RECORDING: 'plan-failed' } });
    expect(result.conclusion).toBe('failure');
    expect(step(result, 'plan').outcome).toBe('failure');
    expect(step(result, 'plan').outputs['exit-code']).toBe('1');
    expect(result.log).toContain('Plan failed: terraform plan failed: Error: Unauthorized');
    const cs = marked(await comments(pr));
    expect(cs).toHaveLength(2);
    const c = cs[0]!;
    expect(c.id).toBe(firstId);
    expect(c.body).toContain('— ❌ failed');
    expect(c.body).toContain('**Errors** (2)');
    expect(c.body).toContain('Error: Unauthorized\n\n  with kubernetes_cluster_role.test[0],');
    const errorBlock = c.body.split('**Errors** (2)')[1]!.split('<details')[0]!;
    expect(errorBlock).not.toContain('Warning: Argument is deprecated'); // errors only
    // eslint-disable-next-line no-control-regex
    expect(c.body).not.toMatch(/\u001b|::debug::|::error::|\[command\]/);
    expect(result.summary).toContain('— ❌ failed');
  });

  test('on-no-changes: update-existing and skip start no comment on a clean pull request', async () => {
    const clean = await newPullRequest();
    for (const mode of ['update-existing', 'skip']) {
      const result = await onPr(clean, {
        env: { SAMPLE_TERRAFORM_RECORDING: 'sample-infra-no-changes' },
        vars: { ON_NO_CHANGES: mode },
      });
      expect(result.conclusion).toBe('success');
      expect(result.log).toMatch(/No comment: no changes.*on-no-changes is/);
      expect(result.summary).toContain('No changes. Your infrastructure matches the configuration.');
    }
    expect(await comments(clean)).toEqual([]);
  });

  test('on-no-changes: update-existing after an earlier comment updates it to "No changes"', async () => {
    const once = await newPullRequest();
    const first = await onPr(once, { vars: { ON_NO_CHANGES: 'update-existing' } });
    expect(first.conclusion).toBe('success');
    const [before] = marked(await comments(once));
    expect(before!.body).toContain('Plan: 5 to add');
    const result = await onPr(once, {
      env: { SAMPLE_TERRAFORM_RECORDING: 'sample-infra-no-changes' },
      vars: { ON_NO_CHANGES: 'update-existing' },
    });
    expect(result.conclusion).toBe('success');
    const cs = marked(await comments(once));
    expect(cs.map((c) => c.id)).toEqual([before!.id]);
    expect(cs[0]!.body).toContain('— ✅ no changes');
    expect(cs[0]!.body).toContain('**No changes. Your infrastructure matches the configuration.**');
    expect(step(result, 'plan').outputs['comment-id']).toBe(String(before!.id));
  });

  test('fail-on-error: false comments the failure without failing the step', async () => {
    const result = await onPr(pr, {
      env: { SAMPLE_TERRAFORM_RECORDING: 'plan-failed' },
      vars: { FAIL_ON_ERROR: 'false' },
    });
    expect(result.conclusion).toBe('success');
    expect(result.log).toContain('fail-on-error is false');
    expect(marked(await comments(pr))[0]!.body).toContain('— ❌ failed');
  });
});

describe('terraform-plan-comment around the comment', () => {
  test('a read-only token (fork pull request) warns, still writes the summary, and the step passes', async () => {
    const pr = await newPullRequest();
    const result = await onPr(pr, { secrets: { GITHUB_TOKEN: stack().github.readOnlyToken } });
    expect(result.conclusion).toBe('success');
    expect(step(result, 'plan').outcome).toBe('success');
    const warning = result.annotations.find(
      (a) => a.level === 'warning' && a.message.includes('Could not comment'),
    );
    expect(warning?.message).toContain('403 Resource not accessible by integration');
    expect(warning?.message).toContain('pull_request_target');
    expect(result.summary).toContain('**Plan: 5 to add, 2 to change, 2 to destroy.');
    expect(step(result, 'plan').outputs['comment-url']).toBe('');
    expect(await comments(pr)).toEqual([]);
  });

  test('the earlier comment is found through every page of comments', async () => {
    const pr = await newPullRequest();
    const first = await onPr(pr, { vars: { LABEL: 'paged' } });
    expect(first.conclusion).toBe('success');
    const gh = stack().github;
    for (let i = 0; i < 120; i++) {
      await fetch(`${gh.apiUrl}/repos/acme/shop/issues/${pr}/comments`, {
        method: 'POST',
        headers: { authorization: `token ${gh.adminToken}` },
        body: JSON.stringify({ body: `review note ${i}` }),
      });
    }
    await clearCalls();
    const second = await onPr(pr, { vars: { LABEL: 'paged' } });
    expect(second.conclusion).toBe('success');
    const listed = (await calls()).filter(
      (c) => c.method === 'GET' && c.path.includes(`/issues/${pr}/comments`),
    );
    expect(listed.map((c) => c.path)).toEqual([
      `/api/v3/repos/acme/shop/issues/${pr}/comments?per_page=100`,
      `/api/v3/repos/acme/shop/issues/${pr}/comments?per_page=100&page=2`,
    ]);
    const cs = marked(await comments(pr));
    expect(cs).toHaveLength(1);
    expect(step(second, 'plan').outputs['comment-id']).toBe(String(cs[0]!.id));
  });

  test("a person's comment carrying the marker is left alone and a new comment is posted", async () => {
    const pr = await newPullRequest();
    const gh = stack().github;
    const forged = `<!-- terraform-plan-comment dir=${encodeURIComponent(INFRA)} workspace=default label=hijack -->\nLooks fine, merge it.`;
    const posted = await fetch(`${gh.apiUrl}/repos/acme/shop/issues/${pr}/comments`, {
      method: 'POST',
      headers: { authorization: `token ${gh.adminToken}` },
      body: JSON.stringify({ body: forged }),
    });
    expect(posted.status).toBe(201);
    const human = (await posted.json()) as Comment;
    for (const mode of ['update', 'recreate']) {
      const result = await onPr(pr, { vars: { LABEL: 'hijack', COMMENT: mode } });
      expect(result.conclusion).toBe('success');
      const cs = marked(await comments(pr));
      expect(cs).toHaveLength(2);
      expect(cs[0]!).toMatchObject({ id: human.id, body: forged, user: { login: 'octo-dev' } });
      expect(cs[1]!.user.login).toBe('github-actions[bot]');
      expect(cs[1]!.body).toContain('· `hijack` — ✅ plan ok');
      expect(step(result, 'plan').outputs['comment-id']).toBe(String(cs[1]!.id));
    }
  });

  test('on push (no pull request) the plan goes to the job summary only', async () => {
    await clearCalls();
    const result = await runWorkflow({ workflow: SCENARIOS, event: 'push' });
    expect(result.conclusion).toBe('success');
    expect(result.log).toContain('No pull request in this push event: the plan is in the job summary only.');
    expect(result.summary).toContain('**Plan: 5 to add, 2 to change, 2 to destroy.');
    expect(await calls()).toEqual([]);
  });

  test('plan-file: a plan made by an earlier step is shown with terraform show', async () => {
    const pr = await newPullRequest();
    const result = await onPr(pr, {
      vars: { MAKE_PLAN_FILE: 'true', PLAN_FILE: 'tfplan', LABEL: 'from plan file' },
    });
    expect(result.conclusion).toBe('success');
    expect(result.log).toMatch(/\$ terraform show -json .*\/action-tests\/sample-app\/infra\/tfplan/);
    expect(result.log).not.toContain('$ terraform plan -input=false -no-color');
    const [c] = marked(await comments(pr));
    expect(c!.body).toContain('· `from plan file` — ✅ plan ok');
    expect(step(result, 'plan').outputs.add).toBe('5');
  });

  test('comment: recreate deletes the earlier comment and posts a new one', async () => {
    const pr = await newPullRequest();
    await onPr(pr);
    const before = marked(await comments(pr));
    const result = await onPr(pr, { vars: { COMMENT: 'recreate' } });
    expect(result.conclusion).toBe('success');
    const after = marked(await comments(pr));
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before[0]!.id);
  });

  test('an overflowing plan stays under the limit with header, summary and destroy list intact', async () => {
    const pr = await newPullRequest();
    const dir = mkdtempSync(join(tmpdir(), 'tf-overflow-'));
    const plan = overflowPlan(join(REPO_ROOT, FIXTURES));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan.json));
    writeFileSync(join(dir, 'plan.txt'), plan.text);
    const result = await onPr(pr, {
      vars: { PLAN_JSON: join(dir, 'plan.json'), PLAN_TEXT: join(dir, 'plan.txt'), LABEL: 'overflow' },
    });
    expect(result.conclusion).toBe('success');
    const [c] = marked(await comments(pr));
    expect(c!.body.length).toBeLessThanOrEqual(65_000);
    expect(plan.text.length).toBeGreaterThan(200_000);
    expect(c!.body).toContain('### Terraform plan:');
    expect(c!.body).toContain(`**${plan.summary}**`);
    for (const address of plan.destroyed) expect(c!.body).toContain(`> - \`${address}\``);
    expect(c!.body).toMatch(
      /This comment was shortened to stay under 65,000 characters \(left out: \d+ of \d+ lines of the text plan, \d+ per-resource entries\): the \[job summary of this run\]\(http:\/\/127\.0\.0\.1:\d+\/acme\/shop\/actions\/runs\/\d+\)/,
    );
    // The job summary holds the full rendering.
    for (const address of plan.created.slice(-3)) expect(result.summary).toContain(address);
  });

  test('hostile strings in addresses, values and the text plan are rendered inert', async () => {
    const pr = await newPullRequest();
    const dir = mkdtempSync(join(tmpdir(), 'tf-hostile-'));
    const plan = hostilePlan(join(REPO_ROOT, FIXTURES));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan.json));
    writeFileSync(join(dir, 'plan.txt'), plan.text);
    const result = await onPr(pr, {
      vars: {
        PLAN_JSON: join(dir, 'plan.json'),
        PLAN_TEXT: join(dir, 'plan.txt'),
        LABEL: '</details> @octocat',
      },
    });
    expect(result.conclusion).toBe('success');
    const [c] = marked(await comments(pr));
    expect(c!.body).toContain('onerror'); // shown...
    expect(inertOutsideCode(c!.body)).toEqual([]); // ...but only inside code
    // An unknown action_reason and unknown output actions too: shown, as code only.
    expect(c!.body).toContain(`— destroyed: reason \`${HOSTILE_REASON}\``);
    expect(c!.body).toContain(`(\`${HOSTILE_OUTPUT_ACTION}\`): \`"a"\` → \`"b"\``);
    expect(inertOutsideCode(result.summary)).toEqual([]);
    expect(c!.body).not.toContain(plan.secret);
  });

  test('a recorded text plan full of ANSI codes is shown with none of them left', async () => {
    const pr = await newPullRequest();
    const text = `${REPO_ROOT}/${FIXTURES}/getterminus-terraform-pr-commenter/tf_plan_success_with_changes.txt`;
    // eslint-disable-next-line no-control-regex
    expect(readFileSync(text, 'utf8')).toMatch(/\u001b\[\d+m/); // the recording really carries ANSI
    const result = await onPr(pr, {
      vars: {
        PLAN_JSON: `${REPO_ROOT}/${FIXTURES}/hashicorp-terraform-v1.5.7/show-json/basic-create/output.json`,
        PLAN_TEXT: text,
        LABEL: 'ansi',
      },
    });
    expect(result.conclusion).toBe('success');
    const [c] = marked(await comments(pr));
    expect(c!.body).toContain('  # aws_s3_bucket.test will be created');
    // eslint-disable-next-line no-control-regex
    for (const t of [c!.body, result.summary]) expect(t).not.toMatch(/\u001b|\[(?:\d+;)*\d+m/);
  });

  test('the stand-in replays a run built only from a real fixture', async () => {
    const pr = await newPullRequest();
    const result = await onPr(pr, {
      env: { SAMPLE_TERRAFORM_RECORDING: 'opentofu-drift-simple' },
      vars: { LABEL: 'real run' },
    });
    expect(result.conclusion).toBe('success');
    expect(result.log).toContain('$ terraform plan -input=false -no-color -detailed-exitcode -out=');
    expect(step(result, 'plan').outputs).toMatchObject({
      add: '0',
      change: '1',
      destroy: '0',
      'exit-code': '2',
    });
    const [c] = marked(await comments(pr));
    expect(c!.body).toContain('**Plan: 0 to add, 1 to change, 0 to destroy.**');
    expect(c!.body).toContain('OpenTofu will perform the following actions');
  });

  test('bad input fails naming the input, before any GitHub call', async () => {
    const pr = await newPullRequest();
    await clearCalls();
    const result = await onPr(pr, { vars: { PLAN_JSON: 'plan.json', PLAN_FILE: 'plan.tfplan' } });
    expect(step(result, 'plan').outcome).toBe('failure');
    expect(result.log).toContain("Input 'plan-json': give either plan-file");
    expect(await calls()).toEqual([]);
    expect(readFileSync(result.logPath, 'utf8')).not.toContain(stack().github.token);
  });
});
