// hashicorp/setup-terraform: no Terraform binary can be installed here, so it puts on PATH a `terraform`
// that replays one recorded run (action-tests/fixtures/terraform-runs/, chosen by the job's
// SAMPLE_TERRAFORM_RECORDING, default sample-infra) and nothing else; with terraform_wrapper (default
// true) `terraform` is the wrapper stand-in around `terraform-bin`, noise included, as on GitHub.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StandIn } from './types.ts';

const RUNS_DIR = path.resolve(import.meta.dirname, '../../fixtures/terraform-runs');
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const setupTerraform: StandIn = {
  name: 'hashicorp/setup-terraform',
  description: 'puts a terraform that replays a recorded run on PATH (with the wrapper by default)',
  inputs: {
    cli_config_credentials_hostname: { default: 'app.terraform.io' },
    cli_config_credentials_token: {},
    terraform_version: { default: 'latest' },
    terraform_wrapper: { default: 'true' },
  },
  run(ctx) {
    const dir = path.join(ctx.runnerTemp, `setup-terraform-${randomUUID()}`);
    mkdirSync(dir, { recursive: true });
    const node = process.execPath;
    const bin = path.join(dir, 'terraform-bin');
    const script = (body: string) => `#!/bin/sh\n${body}\n`;
    writeFileSync(
      bin,
      script(
        `exec ${q(node)} ${q(path.join(import.meta.dirname, 'terraform-replay.ts'))} --runs ${q(RUNS_DIR)} -- "$@"`,
      ),
    );
    const wrapper = ctx.getInput('terraform_wrapper') !== 'false';
    writeFileSync(
      path.join(dir, 'terraform'),
      wrapper
        ? script(
            `exec ${q(node)} ${q(path.join(import.meta.dirname, 'terraform-wrapper.ts'))} ${q(bin)} "$@"`,
          )
        : script(`exec ${q(bin)} "$@"`),
    );
    chmodSync(bin, 0o755);
    chmodSync(path.join(dir, 'terraform'), 0o755);
    ctx.addPath(dir);
    const recording = ctx.env.SAMPLE_TERRAFORM_RECORDING || 'sample-infra';
    const version = ctx.getInput('terraform_version');
    ctx.log(
      `note: no Terraform can be installed here; terraform_version '${version}' is not downloaded. ` +
        `terraform replays the recorded run '${recording}' from ${RUNS_DIR}`,
    );
    return `put a replaying terraform on PATH (${dir}; wrapper ${wrapper ? 'on: terraform wraps terraform-bin' : 'off'}; recorded run '${recording}')`;
  },
};
