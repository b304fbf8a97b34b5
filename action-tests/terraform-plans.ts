// Plans built from the real fixtures for tests and the benchmark: big ones (resources of a real plan
// repeated) and hostile ones (a real plan whose names and values carry Markdown/HTML injection).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface ResourceChange extends Json {
  address: string;
  name: string;
  index?: unknown;
  change: Json & { actions: string[] };
}

function load(fixtures: string, rel: string): Json & { resource_changes: ResourceChange[] } {
  return JSON.parse(readFileSync(join(fixtures, rel), 'utf8')) as Json & {
    resource_changes: ResourceChange[];
  };
}

function renamed(rc: ResourceChange, address: string, name: string): ResourceChange {
  const copy = structuredClone(rc);
  copy.address = address;
  copy.name = name;
  delete copy.index;
  return copy;
}

export interface BigPlan {
  json: Json;
  text: string;
  summary: string;
  created: string[];
  destroyed: string[];
}

/**
 * `creates` copies of basic-create's `test_instance.test[0]`, `replaces` copies of
 * local_provider_update's replaced `local_file` and as many copies of local_provider_delete's deleted
 * one, with a text plan in Terraform's format for each resource.
 */
export function scaledPlan(fixtures: string, creates: number, replaces = 20): BigPlan {
  const create = load(fixtures, 'hashicorp-terraform-v1.5.7/show-json/basic-create/output.json')
    .resource_changes[0]!;
  const replaceBase = load(
    fixtures,
    'hashicorp-terraform-v1.5.7/equivalence-tests/local_provider_update/plan.json',
  );
  const replace = replaceBase.resource_changes[0]!;
  const del = load(fixtures, 'hashicorp-terraform-v1.5.7/equivalence-tests/local_provider_delete/plan.json')
    .resource_changes[0]!;
  const changes: ResourceChange[] = [];
  const text: string[] = [
    'Terraform used the selected providers to generate the following execution',
    'plan. Resource actions are indicated with the following symbols:',
    '  + create',
    '  - destroy',
    '-/+ destroy and then create replacement',
    '',
    'Terraform will perform the following actions:',
    '',
  ];
  const created: string[] = [];
  const destroyed: string[] = [];
  for (let i = 0; i < creates; i++) {
    const address = `module.fleet_${Math.floor(i / 100)}.test_instance.node_${i}`;
    changes.push(renamed(create, address, `node_${i}`));
    created.push(address);
    text.push(
      `  # ${address} will be created`,
      `  + resource "test_instance" "node_${i}" {`,
      `      + ami = "bar"`,
      `      + id  = (known after apply)`,
      `    }`,
      '',
    );
  }
  for (let i = 0; i < replaces; i++) {
    const address = `local_file.replaced_${i}`;
    changes.push(renamed(replace, address, `replaced_${i}`));
    destroyed.push(address);
    text.push(
      `  # ${address} must be replaced`,
      `-/+ resource "local_file" "replaced_${i}" {`,
      `      ~ content              = jsonencode( # forces replacement`,
      `      ~ id                   = "2248ee2fa0aaaad99178531f924bf00b4b0a8f4e" -> (known after apply)`,
      `    }`,
      '',
    );
    const gone = `local_file.removed_${i}`;
    changes.push(renamed(del, gone, `removed_${i}`));
    destroyed.push(gone);
    text.push(`  # ${gone} will be destroyed`, `  - resource "local_file" "removed_${i}" {`, `    }`, '');
  }
  const add = creates + replaces;
  const destroy = 2 * replaces;
  const summary = `Plan: ${add} to add, 0 to change, ${destroy} to destroy.${replaces ? ` (${replaces} to replace.)` : ''}`;
  text.push(`Plan: ${add} to add, 0 to change, ${destroy} to destroy.`);
  const json = { ...replaceBase, resource_changes: changes };
  return { json, text: text.join('\n'), summary, created, destroyed };
}

/** The plan of the overflow test: far beyond 65,000 characters of text and detail. */
export function overflowPlan(fixtures: string): BigPlan {
  return scaledPlan(fixtures, 3000, 20);
}

export const HOSTILE = [
  '</details><img src=x onerror=alert(1)>',
  '``` </details> ```',
  '@octocat please merge',
  '<script>alert(1)</script>',
  '[click](https://evil.example)',
  '`',
];

/** An action_reason and output actions no Terraform writes: they must be shown inert, as code. */
export const HOSTILE_REASON = '<img src=x onerror=alert(3)> @octocat [click](https://evil.example)';
export const HOSTILE_OUTPUT_ACTION = '</details><img src=x onerror=alert(4)> @octocat';

/**
 * basic-create and basic-delete with injection in addresses, values, action reasons and output
 * changes (name and actions), and a text plan carrying them.
 */
export function hostilePlan(fixtures: string): { json: Json; text: string; secret: string } {
  const base = load(fixtures, 'hashicorp-terraform-v1.5.7/show-json/basic-delete/output.json');
  const [update, remove] = base.resource_changes as [ResourceChange, ResourceChange];
  const secret = 'hunter2-sensitive-in-json';
  const textOnlySecret = 's3cr3t-only-in-the-text';
  const changes: ResourceChange[] = [];
  HOSTILE.forEach((h, i) => {
    const u = renamed(update, `test_instance.x${i}["${h}"]`, `x${i}`);
    (u.change.after as Json).ami = `${h} ${i}`;
    (u.change.after as Json).password = secret;
    u.change.after_sensitive = { password: true };
    changes.push(u);
    const gone = renamed(remove, `test_instance.gone${i}["${h}"]`, `gone${i}`);
    gone.action_reason = i % 2 ? HOSTILE_REASON : h;
    changes.push(gone);
  });
  const outputs: Json = {
    [`out_${HOSTILE[0]}`]: {
      actions: [HOSTILE_OUTPUT_ACTION, 'create'],
      before: null,
      after: 'x',
      after_unknown: false,
      before_sensitive: false,
      after_sensitive: false,
    },
    plain: {
      actions: [HOSTILE_OUTPUT_ACTION],
      before: 'a',
      after: 'b',
      after_unknown: false,
      before_sensitive: false,
      after_sensitive: false,
    },
  };
  const text = [
    'Terraform will perform the following actions:',
    '',
    ...HOSTILE.flatMap((h, i) => [
      `  # test_instance.x${i}["${h}"] will be updated in-place`,
      `  ~ resource "test_instance" "x${i}" {`,
      `      ~ ami      = "bar" -> "${h} ${i}"`,
      `      + password = "${textOnlySecret}"`,
      `    }`,
    ]),
    '```',
    '</details>',
    '<img src=x onerror=alert(2)>',
    `Error: token ${secret} rejected`,
  ].join('\n');
  return { json: { ...base, resource_changes: changes, output_changes: outputs }, text, secret };
}

/**
 * What in a Markdown comment is outside code spans and fenced blocks and could take effect:
 * HTML tags other than the layout's own (details, summary, sub), unbalanced details, mentions, links.
 */
export function inertOutsideCode(markdown: string): string[] {
  const outside: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})/.exec(lines[i]!);
    if (open) {
      const fence = open[1]!;
      const close = new RegExp(`^\\s*\\${fence[0]}{${fence.length},}\\s*$`);
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j]!)) j++;
      i = j;
      continue;
    }
    // Remove code spans: a run of N backticks up to the next run of exactly N.
    let line = lines[i]!;
    line = line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, ' ');
    outside.push(line);
  }
  const text = outside.join('\n');
  const problems: string[] = [];
  for (const m of text.matchAll(/<\/?([a-z][a-z0-9]*)/gi)) {
    if (!['details', 'summary', 'sub'].includes(m[1]!.toLowerCase())) problems.push(`tag ${m[0]}`);
  }
  const opens = (text.match(/<details/g) ?? []).length;
  const closes = (text.match(/<\/details>/g) ?? []).length;
  if (opens !== closes) problems.push(`${opens} <details> but ${closes} </details>`);
  for (const m of text.matchAll(/@[A-Za-z0-9]/g)) problems.push(`mention ${m[0]}`);
  for (const m of text.matchAll(/\]\(https?:\/\/evil/g)) problems.push(`link ${m[0]}`);
  if (/onerror/.test(text)) problems.push('onerror outside code');
  return problems;
}
