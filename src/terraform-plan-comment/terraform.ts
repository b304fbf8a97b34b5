import type { Exec, ExecResult } from '../lib/exec.ts';
import type { Logger } from '../lib/log.ts';

/**
 * Running Terraform (or OpenTofu) when no plan was given: init, plan -out, then `show -json` and
 * `show -no-color` of the plan file. No command is run through a shell; the environment handed to
 * Terraform has no GITHUB_OUTPUT/GITHUB_ENV/... files, so setup-terraform's wrapper cannot write
 * the (possibly sensitive) plan into this step's outputs; its lines end up in stdout, and are
 * stripped there.
 */

export interface TerraformRun {
  ok: boolean;
  /** The failed phase, when not ok. */
  failedPhase?: 'init' | 'plan' | 'show';
  /** Terraform's detailed exit code of `plan` (0 no changes, 2 changes, 1 error) where known. */
  exitCode: number;
  planJson?: string;
  planText: string;
  /** stdout+stderr of the failed command. */
  failureOutput?: string;
}

export interface TerraformOptions {
  binary: string;
  workingDirectory: string;
  workspace: string;
  planFile: string;
  env: NodeJS.ProcessEnv;
}

const FILE_COMMANDS = ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'];

export function terraformEnv(env: NodeJS.ProcessEnv, workspace: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !FILE_COMMANDS.includes(k)) out[k] = v;
  out.TF_IN_AUTOMATION = '1';
  out.TF_INPUT = '0';
  if (workspace) out.TF_WORKSPACE = workspace;
  return out;
}

function combined(r: ExecResult): string {
  return [r.stdout, r.stderr].filter((s) => s.trim() !== '').join('\n');
}

/** Runs one Terraform command in the working directory (argv, no shell), echoing it to the log. */
function terraformCommand(
  exec: Exec,
  opts: TerraformOptions,
  logger: Logger,
): (args: string[]) => Promise<ExecResult> {
  return (args) => {
    logger.info(`$ ${[opts.binary, ...args].join(' ')}`);
    return exec(opts.binary, args, {
      cwd: opts.workingDirectory,
      env: terraformEnv(opts.env, opts.workspace),
      allowFailure: true,
    });
  };
}

export async function runTerraform(
  exec: Exec,
  opts: TerraformOptions,
  logger: Logger,
): Promise<TerraformRun> {
  const run = terraformCommand(exec, opts, logger);
  const init = await logger.group(`${opts.binary} init`, () => run(['init', '-input=false', '-no-color']));
  if (init.exitCode !== 0) {
    return { ok: false, failedPhase: 'init', exitCode: 1, planText: '', failureOutput: combined(init) };
  }
  const plan = await logger.group(`${opts.binary} plan`, () =>
    run(['plan', '-input=false', '-no-color', '-detailed-exitcode', `-out=${opts.planFile}`]),
  );
  // setup-terraform's wrapper turns the detailed exit code 2 into 0; the plan JSON says what changed.
  if (plan.exitCode !== 0 && plan.exitCode !== 2) {
    return {
      ok: false,
      failedPhase: 'plan',
      exitCode: 1,
      planText: combined(plan),
      failureOutput: combined(plan),
    };
  }
  const shown = await showPlan(exec, opts, logger);
  return { ...shown, exitCode: shown.ok ? plan.exitCode : 1 };
}

/** `show -json` and `show -no-color` of an existing plan file. */
export async function showPlan(exec: Exec, opts: TerraformOptions, logger: Logger): Promise<TerraformRun> {
  const run = terraformCommand(exec, opts, logger);
  const json = await run(['show', '-json', opts.planFile]);
  if (json.exitCode !== 0)
    return { ok: false, failedPhase: 'show', exitCode: 1, planText: '', failureOutput: combined(json) };
  const text = await run(['show', '-no-color', opts.planFile]);
  if (text.exitCode !== 0)
    return { ok: false, failedPhase: 'show', exitCode: 1, planText: '', failureOutput: combined(text) };
  return { ok: true, exitCode: 0, planJson: json.stdout, planText: text.stdout };
}
