/**
 * The plan JSON (`terraform show -json PLANFILE`, stable within format_version 1.x) and everything
 * this action derives from it: the classification of each resource change, the counts, and the set
 * of values marked sensitive. Nothing here parses the text plan.
 */

export interface PlanChange {
  actions: string[];
  before?: unknown;
  after?: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  replace_paths?: unknown[][];
  importing?: { id?: string; identity?: unknown } | null;
}

export interface PlanResourceChange {
  address: string;
  previous_address?: string;
  mode?: string;
  type?: string;
  name?: string;
  deposed?: string;
  change: PlanChange;
  action_reason?: string;
}

export interface PlanJson {
  format_version: string;
  terraform_version?: string;
  variables?: Record<string, { value?: unknown }>;
  resource_changes?: PlanResourceChange[];
  resource_drift?: PlanResourceChange[];
  output_changes?: Record<string, PlanChange>;
  configuration?: unknown;
  errored?: boolean;
}

export type Kind =
  'create' | 'update' | 'replace' | 'delete' | 'read' | 'import' | 'move' | 'forget' | 'no-op';

export interface ClassifiedResource {
  address: string;
  /** The group it is listed under in the comment. */
  kind: Kind;
  actions: string[];
  /** `["create","delete"]`: the replacement is created before the old object is destroyed. */
  createBeforeDestroy: boolean;
  previousAddress?: string;
  importId?: string;
  reason?: string;
  deposed?: string;
  change: PlanChange;
}

export interface OutputChange {
  name: string;
  actions: string[];
  change: PlanChange;
}

export interface PlanCounts {
  /** As Terraform's summary line: creates plus replacements. */
  add: number;
  change: number;
  /** As Terraform's summary line: deletes plus replacements. */
  destroy: number;
  replace: number;
  import: number;
  move: number;
  forget: number;
  read: number;
  drift: number;
  outputs: number;
}

export interface PlanAnalysis {
  formatVersion: string;
  terraformVersion?: string;
  errored: boolean;
  resources: ClassifiedResource[];
  drift: ClassifiedResource[];
  outputs: OutputChange[];
  counts: PlanCounts;
  hasChanges: boolean;
  /** Every string value the plan marks sensitive (resource attributes, outputs, sensitive variables). */
  sensitiveValues: string[];
}

export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFormatError';
  }
}

/** Parses `terraform show -json` output; accepts format_version 1.x only. */
export function parsePlanJson(text: string, source: string): PlanJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // setup-terraform's wrapper surrounds the output with its own lines (`[command]...`, `::debug::...`).
    const stripped = text
      .split('\n')
      .filter((line) => !/^(\[command\]|::[a-z-]+(?: [^:]*)?::)/.test(line))
      .join('\n');
    try {
      parsed = JSON.parse(stripped);
    } catch {
      throw new PlanFormatError(
        `${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Expected the output of 'terraform show -json PLANFILE'.`,
      );
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new PlanFormatError(`${source} is not a plan JSON object.`);
  const plan = parsed as Partial<PlanJson>;
  if (typeof plan.format_version !== 'string')
    throw new PlanFormatError(
      `${source} has no format_version: expected the output of 'terraform show -json PLANFILE' (not 'terraform plan -json', a log stream).`,
    );
  if (!/^1\.\d+$/.test(plan.format_version))
    throw new PlanFormatError(
      `${source} has format_version ${plan.format_version}; this action reads format 1.x (Terraform >= 0.12... 1.x, OpenTofu).`,
    );
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes))
    throw new PlanFormatError(`${source}: resource_changes is not a list.`);
  for (const rc of plan.resource_changes ?? []) {
    if (typeof rc?.address !== 'string' || !Array.isArray(rc.change?.actions))
      throw new PlanFormatError(`${source}: a resource change has no address or change.actions.`);
  }
  return plan as PlanJson;
}

function sameActions(actions: readonly string[], ...want: string[]): boolean {
  return actions.length === want.length && actions.every((a, i) => a === want[i]);
}

export function classify(rc: PlanResourceChange): ClassifiedResource {
  const actions = rc.change.actions;
  let kind: Kind;
  if (sameActions(actions, 'create')) kind = 'create';
  else if (sameActions(actions, 'update')) kind = 'update';
  else if (sameActions(actions, 'delete', 'create') || sameActions(actions, 'create', 'delete'))
    kind = 'replace';
  else if (sameActions(actions, 'delete')) kind = 'delete';
  else if (sameActions(actions, 'read')) kind = 'read';
  else if (actions.includes('forget')) kind = 'forget';
  else kind = 'no-op';
  const moved = rc.previous_address !== undefined && rc.previous_address !== rc.address;
  const importing = rc.change.importing ?? undefined;
  if (kind === 'no-op' && importing) kind = 'import';
  else if (kind === 'no-op' && moved) kind = 'move';
  return {
    address: rc.address,
    kind,
    actions,
    createBeforeDestroy: sameActions(actions, 'create', 'delete'),
    previousAddress: moved ? rc.previous_address : undefined,
    importId: importing ? (importing.id ?? '') : undefined,
    reason: rc.action_reason,
    deposed: rc.deposed,
    change: rc.change,
  };
}

export function analysePlan(plan: PlanJson): PlanAnalysis {
  const resources = (plan.resource_changes ?? []).map(classify);
  const drift = (plan.resource_drift ?? []).map(classify);
  const outputs = Object.entries(plan.output_changes ?? {})
    .map(([name, change]) => ({ name, actions: change.actions, change }))
    .filter((o) => !sameActions(o.actions, 'no-op'));
  const counts: PlanCounts = {
    add: 0,
    change: 0,
    destroy: 0,
    replace: 0,
    import: 0,
    move: 0,
    forget: 0,
    read: 0,
    drift: drift.length,
    outputs: outputs.length,
  };
  for (const r of resources) {
    const a = r.actions;
    if (a.includes('create')) counts.add++;
    if (a.includes('delete')) counts.destroy++;
    if (sameActions(a, 'update')) counts.change++;
    if (r.kind === 'replace') counts.replace++;
    if (a.includes('forget')) counts.forget++;
    if (sameActions(a, 'read')) counts.read++;
    if (r.importId !== undefined) counts.import++;
    if (r.previousAddress !== undefined) counts.move++;
  }
  const hasChanges =
    counts.add +
      counts.change +
      counts.destroy +
      counts.import +
      counts.move +
      counts.forget +
      counts.outputs >
    0;
  return {
    formatVersion: plan.format_version,
    terraformVersion: plan.terraform_version,
    errored: plan.errored === true,
    resources,
    drift,
    outputs,
    counts,
    hasChanges,
    sensitiveValues: collectSensitiveValues(plan),
  };
}

/** Terraform's own wording, plus the counts it leaves out. */
export function summaryLine(a: Pick<PlanAnalysis, 'counts' | 'hasChanges' | 'errored'>): string {
  const c = a.counts;
  if (!a.hasChanges) {
    return c.drift > 0
      ? `No changes. ${c.drift} resource${c.drift === 1 ? '' : 's'} changed outside of Terraform.`
      : 'No changes. Your infrastructure matches the configuration.';
  }
  const parts = [
    ...(c.import ? [`${c.import} to import`] : []),
    `${c.add} to add`,
    `${c.change} to change`,
    `${c.destroy} to destroy`,
  ];
  const extra = [
    ...(c.replace ? [`${c.replace} to replace`] : []),
    ...(c.move ? [`${c.move} to move`] : []),
    ...(c.forget ? [`${c.forget} to forget`] : []),
    ...(c.outputs ? [`${c.outputs} output${c.outputs === 1 ? '' : 's'} to change`] : []),
  ];
  return `Plan: ${parts.join(', ')}.${extra.length ? ` (${extra.join(', ')}.)` : ''}`;
}

// ------------------------------------------------------------------ sensitive values

/** Walks `value` alongside a `*_sensitive` mask (true = the whole subtree is sensitive). */
function collectMarked(value: unknown, mask: unknown, into: Set<string>): void {
  if (mask === true) {
    addLeaves(value, into);
    return;
  }
  if (typeof mask !== 'object' || mask === null) return;
  if (Array.isArray(mask)) {
    if (!Array.isArray(value)) return;
    mask.forEach((m, i) => collectMarked(value[i], m, into));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, m] of Object.entries(mask as Record<string, unknown>))
    collectMarked((value as Record<string, unknown>)[k], m, into);
}

function addLeaves(value: unknown, into: Set<string>): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    into.add(value);
    // A sensitive JSON string attribute may appear reformatted in the text plan: add its lines too.
    for (const line of value.split('\n')) if (line.trim().length >= 4) into.add(line.trim());
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    into.add(String(value));
  } else if (Array.isArray(value)) {
    for (const v of value) addLeaves(v, into);
  } else if (typeof value === 'object') {
    for (const v of Object.values(value)) addLeaves(v, into);
  }
}

function sensitiveVariableNames(config: unknown): string[] {
  const vars = (config as { root_module?: { variables?: Record<string, { sensitive?: boolean }> } })
    ?.root_module?.variables;
  return Object.entries(vars ?? {})
    .filter(([, v]) => v?.sensitive === true)
    .map(([name]) => name);
}

export function collectSensitiveValues(plan: PlanJson): string[] {
  const found = new Set<string>();
  const visit = (rc: PlanResourceChange) => {
    collectMarked(rc.change.before, rc.change.before_sensitive, found);
    collectMarked(rc.change.after, rc.change.after_sensitive, found);
  };
  for (const rc of plan.resource_changes ?? []) visit(rc);
  for (const rc of plan.resource_drift ?? []) visit(rc);
  for (const change of Object.values(plan.output_changes ?? {})) {
    collectMarked(change.before, change.before_sensitive, found);
    collectMarked(change.after, change.after_sensitive, found);
  }
  for (const name of sensitiveVariableNames(plan.configuration))
    addLeaves(plan.variables?.[name]?.value, found);
  // planned_values / prior_state carry the same values with `sensitive_values` masks.
  walkModules((plan as { planned_values?: { root_module?: unknown } }).planned_values?.root_module, found);
  walkModules(
    (plan as { prior_state?: { values?: { root_module?: unknown } } }).prior_state?.values?.root_module,
    found,
  );
  for (const source of [
    (plan as { planned_values?: { outputs?: unknown } }).planned_values?.outputs,
    (plan as { prior_state?: { values?: { outputs?: unknown } } }).prior_state?.values?.outputs,
  ]) {
    for (const o of Object.values((source ?? {}) as Record<string, { sensitive?: boolean; value?: unknown }>))
      if (o?.sensitive) addLeaves(o.value, found);
  }
  // Booleans and tiny values cannot be redacted meaningfully (they would blank out every "true").
  return [...found].filter((v) => v.length >= 4 && v !== 'true' && v !== 'false' && v !== 'null');
}

function walkModules(module: unknown, into: Set<string>): void {
  if (typeof module !== 'object' || module === null) return;
  const m = module as {
    resources?: Array<{ values?: unknown; sensitive_values?: unknown }>;
    child_modules?: unknown[];
  };
  for (const r of m.resources ?? []) collectMarked(r.values, r.sensitive_values, into);
  for (const child of m.child_modules ?? []) walkModules(child, into);
}
