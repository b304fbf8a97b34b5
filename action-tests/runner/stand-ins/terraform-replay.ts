// A `terraform` that replays one recorded run (action-tests/fixtures/terraform-runs/<name>/) and does
// nothing else: init and plan print the recorded output and exit with the recorded code, plan writes a
// plan file, show reads it back. Run by node 24 (type stripping) from the shim setup-terraform's
// stand-in puts on PATH. Usage: node terraform-replay.ts --runs DIR -- <terraform arguments>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PLAN_MAGIC = 'local-runner replayed terraform plan v1';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const runsDir = argv[argv.indexOf('--runs') + 1] ?? '';
const args = sep >= 0 ? argv.slice(sep + 1) : [];
const name = process.env.SAMPLE_TERRAFORM_RECORDING || 'sample-infra';
const dir = join(runsDir, name);
const noColor = args.includes('-no-color');

function fail(message: string, code = 1): never {
  process.stderr.write(`\nError: ${message}\n\n`);
  process.exit(code);
}
function read(file: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) fail(`the recording '${name}' has no ${file} (${path})`);
  return readFileSync(path, 'utf8');
}
function print(text: string): void {
  // eslint-disable-next-line no-control-regex
  process.stdout.write(noColor ? text.replace(/\u001b\[[0-9;]*m/g, '') : text);
}
function code(file: string): number {
  return Number(read(file).trim());
}

if (!existsSync(dir)) fail(`no recorded run '${name}' in ${runsDir} (SAMPLE_TERRAFORM_RECORDING)`);
const [command, ...rest] = args.filter((a) => !a.startsWith('-chdir='));
switch (command) {
  case 'version':
  case '-version':
    print('Terraform v1.9.8\non linux_amd64\n');
    process.exit(0);
  // falls through
  case 'init':
    print(read('init.out'));
    process.exit(code('init.code'));
  // falls through
  case 'plan': {
    const out = rest.find((a) => a.startsWith('-out='))?.slice('-out='.length);
    const exit = code('plan.code');
    print(read('plan.out').replaceAll('PLANFILE', out ?? ''));
    if (out && (exit === 0 || exit === 2))
      writeFileSync(resolve(out), `${PLAN_MAGIC}\n${name}\n`, { mode: 0o600 });
    // Without -detailed-exitcode, "changes" is a success like any other.
    process.exit(exit === 2 && !rest.includes('-detailed-exitcode') ? 0 : exit);
  }
  // falls through
  case 'show': {
    const file = rest.filter((a) => !a.startsWith('-'))[0];
    if (!file) fail('the replaying terraform only shows plan files: terraform show [-json|-no-color] FILE');
    const path = resolve(file);
    if (!existsSync(path) || !readFileSync(path, 'utf8').startsWith(PLAN_MAGIC))
      fail(`Failed to read the given file as a state or plan file: ${file}`);
    if (rest.includes('-json')) print(`${read('plan.json').trim()}\n`);
    else print(read('show.out'));
    process.exit(0);
  }
  // falls through
  case 'workspace':
    if (rest[0] === 'show') {
      print(`${process.env.TF_WORKSPACE || 'default'}\n`);
      process.exit(0);
    }
    fail('the replaying terraform supports only "workspace show"');
  // falls through
  default:
    fail(
      `the replaying terraform (recorded run '${name}') knows only init, plan, show, version; got '${args.join(' ')}'`,
    );
}
