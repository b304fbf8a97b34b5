import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../lib/errors.ts';
import type { Exec } from '../lib/exec.ts';
import { InputError } from '../lib/inputs.ts';
import type { Logger } from '../lib/log.ts';
import type { Inputs } from './inputs.ts';
import { analysePlan, type PlanAnalysis, PlanFormatError, type PlanJson, parsePlanJson } from './plan.ts';
import { type CommentKey, markerLine, type Status } from './render.ts';
import { runTerraform, showPlan, type TerraformRun } from './terraform.ts';
import { cleanText, extractErrors, Redactor } from './text.ts';

/** Everything the comment is rendered from. */
export interface PlanReport {
  key: CommentKey;
  status: Status;
  analysis?: PlanAnalysis;
  text: string;
  errors: string[];
  redactor: Redactor;
  exitCode: number;
  planJsonPath: string;
  /** What failed, in one line, when status is failed. */
  failure?: string;
}

export interface ReportDeps {
  exec: Exec;
  readFile(path: string): Promise<string>;
  /** A private (0700) directory under RUNNER_TEMP, removed by the post step. */
  privateDir(): Promise<string>;
  writePrivateFile(path: string, content: string): Promise<void>;
  env: NodeJS.ProcessEnv;
  workspaceRoot: string;
  logger: Logger;
}

export function commentKey(
  inputs: Inputs,
  workingDirectory: string,
  deps: Pick<ReportDeps, 'env' | 'workspaceRoot'>,
): CommentKey {
  const rel = relative(deps.workspaceRoot, workingDirectory);
  const directory =
    rel === '' ? '.' : isAbsolute(rel) || rel.startsWith('..') ? workingDirectory : rel.split(sep).join('/');
  const key = {
    directory,
    workspace: inputs.workspace || deps.env.TF_WORKSPACE?.trim() || 'default',
    label: inputs.label,
  };
  // The marker line must survive a cut to the smallest max-comment-chars (2,000); a directory
  // outside the workspace is kept absolute, so it is checked again here.
  if (markerLine(key).length > 1_600)
    throw new InputError(
      'working-directory',
      `resolves to a path too long to identify the comment (${directory.length} characters). Expected a shorter path, e.g. infra.`,
    );
  return key;
}

function resolveFile(input: string, value: string, dir: string): string {
  const path = resolve(dir, value);
  if (!existsSync(path))
    throw new InputError(
      input,
      `the file '${value}' does not exist (looked for ${path}). Paths are relative to working-directory.`,
    );
  return path;
}

export async function buildReport(inputs: Inputs, deps: ReportDeps): Promise<PlanReport> {
  const workingDirectory = resolve(deps.workspaceRoot, inputs.workingDirectory);
  if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory())
    throw new InputError(
      'working-directory',
      `'${inputs.workingDirectory}' is not a directory (looked for ${workingDirectory}). Expected the Terraform root module's directory, relative to the workspace.`,
    );
  const key = commentKey(inputs, workingDirectory, deps);
  const { logger } = deps;

  let jsonText: string | undefined;
  let planText = '';
  let planJsonPath = '';
  let run: TerraformRun | undefined;

  if (inputs.planJson) {
    planJsonPath = resolveFile('plan-json', inputs.planJson, workingDirectory);
    const textPath = inputs.planText ? resolveFile('plan-text', inputs.planText, workingDirectory) : '';
    jsonText = await deps.readFile(planJsonPath);
    planText = textPath ? await deps.readFile(textPath) : '';
    logger.info(
      `Read the plan JSON from ${planJsonPath}${textPath ? ` and the text plan from ${textPath}` : ''}.`,
    );
  } else {
    const tf = {
      binary: inputs.terraformBinary,
      workingDirectory,
      workspace: inputs.workspace,
      env: deps.env,
    };
    if (inputs.planFile) {
      const planFile = resolveFile('plan-file', inputs.planFile, workingDirectory);
      run = await logger.group(`${inputs.terraformBinary} show ${inputs.planFile}`, () =>
        showPlan(deps.exec, { ...tf, planFile }, logger),
      );
    } else {
      const dir = await deps.privateDir();
      run = await runTerraform(deps.exec, { ...tf, planFile: join(dir, 'plan.tfplan') }, logger);
    }
    if (run.ok && run.planJson !== undefined) {
      jsonText = run.planJson;
      planText = run.planText;
    } else {
      planText = run.failureOutput ?? run.planText;
    }
  }

  let analysis: PlanAnalysis | undefined;
  let plan: PlanJson | undefined;
  if (jsonText !== undefined) {
    try {
      plan = parsePlanJson(jsonText, planJsonPath || `${inputs.terraformBinary} show -json`);
      analysis = analysePlan(plan);
    } catch (error) {
      if (error instanceof PlanFormatError) {
        if (inputs.planJson) throw new InputError('plan-json', error.message);
        throw new UserError(error.message, { cause: error });
      }
      throw error;
    }
    if (!inputs.planJson) {
      const dir = await deps.privateDir();
      planJsonPath = join(dir, 'plan.json');
      // The JSON alone (the wrapper may have added lines around it).
      await deps.writePrivateFile(planJsonPath, `${JSON.stringify(plan)}\n`);
    }
  }

  const redactor = new Redactor(analysis?.sensitiveValues ?? []);
  const cleaned = cleanText(planText);
  const failed = (run !== undefined && !run.ok) || analysis?.errored === true;
  let errors = extractErrors(cleaned).map((e) => redactor.text(e));
  let failure: string | undefined;
  if (failed) {
    const phase = run?.failedPhase
      ? `${inputs.terraformBinary} ${run.failedPhase}`
      : `${inputs.terraformBinary} plan`;
    failure = `${phase} failed${errors.length ? `: ${errors[0]!.split('\n')[0]}` : ''}`;
    if (!errors.length) {
      const tail = cleaned.split('\n').slice(-30).join('\n').trim();
      errors = [redactor.text(tail || `${phase} failed without output.`)];
    }
  }
  const status: Status = failed ? 'failed' : analysis?.hasChanges ? 'changes' : 'no-changes';
  const exitCode = failed ? 1 : analysis?.hasChanges ? 2 : 0;
  return {
    key,
    status,
    analysis,
    text: redactor.text(cleaned),
    errors,
    redactor,
    exitCode,
    planJsonPath,
    failure,
  };
}
