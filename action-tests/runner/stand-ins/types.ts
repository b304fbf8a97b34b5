// The contract of a stand-in: a local replacement for a remote action (`uses: owner/repo@ref`), which
// the local runner cannot download.

export interface StandInContext {
  /** The `uses:` value as written in the workflow, e.g. `actions/checkout@v4`. */
  uses: string;
  /** The step's `with:` values, evaluated (names as written). */
  inputs: Readonly<Record<string, string>>;
  /** An input by name (case-insensitive), or the stand-in's declared default, or ''. */
  getInput(name: string, options?: { required?: boolean }): string;
  /** The environment the step runs with (runner env, GITHUB_*, job and step env). */
  env: Readonly<Record<string, string>>;
  /** Adds or changes an environment variable for the later steps of the job (like GITHUB_ENV). */
  exportVariable(name: string, value: string): void;
  /** Prepends a folder to PATH for the later steps (like GITHUB_PATH). */
  addPath(dir: string): void;
  /** Sets `steps.<id>.outputs.<name>`. */
  setOutput(name: string, value: string): void;
  /** Masks a value in the log from now on (like `::add-mask::`). */
  mask(value: string): void;
  /** Writes a line to the job log. */
  log(line: string): void;
  /** Writes a warning annotation. */
  warning(message: string): void;
  /** GITHUB_WORKSPACE. */
  workspace: string;
  /** The repository the job runs for (its working tree, as checked out by actions/checkout). */
  repoRoot: string;
  /** RUNNER_TEMP. */
  runnerTemp: string;
  /** The sample stack description file (env SAMPLE_STACK_FILE of the step), if any. */
  stackFile: string | undefined;
}

export interface StandInInput {
  default?: string;
  required?: boolean;
}

export interface StandIn {
  /** `owner/repo` of the action it replaces, e.g. `actions/checkout`. */
  name: string;
  description: string;
  /** The real action's inputs: names not listed get GitHub's "Unexpected input(s)" warning. */
  inputs: Record<string, StandInInput>;
  /** Does the work; returns a short description of what it did; throws to fail the step. */
  run(ctx: StandInContext): Promise<string> | string;
}
