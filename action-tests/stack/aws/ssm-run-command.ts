// SSM Run Command on the AWS JSON 1.1 protocol: SendCommand, ListCommands, GetCommandInvocation,
// ListCommandInvocations, with an "agent" that runs AWS-RunShellScript on the machine itself, as
// the real SSM agent does on an instance: as root, on the host's filesystem, from a _script.sh in
// the agent's orchestration directory, capturing stdout, stderr and the exit code. Rate control
// (MaxConcurrency, MaxErrors) is honoured; an invocation only becomes visible a little after
// SendCommand returns (InvocationDoesNotExist meanwhile), as with AWS.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputReader, type JsonObject, type JsonOperation, toWire } from './json-protocol.ts';
import { AwsError, type AdminRequest, type AdminResult, type CallContext } from './types.ts';

/** A managed node the agent answers for. Every node runs its commands on this machine. */
export interface ManagedInstance {
  InstanceId: string;
  /** EC2 tags, for `tag:KEY` targets. */
  Tags: Record<string, string>;
  /** Regions it is registered in; default every region. */
  Regions?: string[];
}

export interface RunCommandOptions {
  /** Where the agent keeps its per-invocation files (`<dir>/<instance>/document/orchestration/<command>/...`). */
  agentDir: string;
  instances?: ManagedInstance[];
  /** PATH of the agent's environment (the host's service manager first). */
  path?: string;
  /** How long after SendCommand an invocation stays invisible (InvocationDoesNotExist). Default 400 ms. */
  visibilityDelayMs?: number;
}

type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed';

interface Invocation {
  instanceId: string;
  status: InvocationStatus;
  details: string;
  responseCode: number;
  start?: Date;
  end?: Date;
  stdout: string;
  stderr: string;
  dir: string;
  visibleAt: number;
}

interface Command {
  id: string;
  region: string;
  documentName: string;
  comment: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  targets: Array<{ Key: string; Values: string[] }>;
  requested: Date;
  timeoutSeconds: number;
  maxConcurrency: string;
  maxErrors: string;
  invocations: Invocation[];
  errorCount: number;
  completedCount: number;
  status: InvocationStatus;
  details: string;
}

const STDOUT_LIMIT = 24_000;
const STDERR_LIMIT = 8_000;
const LIST_OUTPUT_LIMIT = 2_500;
const PLUGIN = 'aws:runShellScript';
const DOCUMENTS = new Set(['AWS-RunShellScript']);
const CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;
const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;

/** How many targets a `MaxConcurrency` / `MaxErrors` value allows (percentages of the target count). */
export function rateLimit(value: string, targets: number, minimum: number): number {
  if (value.endsWith('%')) return Math.max(minimum, Math.floor((targets * Number(value.slice(0, -1))) / 100));
  return Number(value);
}

export interface RunCommandService {
  operations: Record<string, JsonOperation>;
  summarize(operation: string, input: JsonObject): Record<string, unknown> | undefined;
  admin(req: AdminRequest): AdminResult | undefined;
  reset(): void;
  instances: Map<string, ManagedInstance>;
}

export function createRunCommand(opts: RunCommandOptions): RunCommandService {
  const instances = new Map((opts.instances ?? []).map((i) => [i.InstanceId, i]));
  const commands = new Map<string, Command>();
  const delay = opts.visibilityDelayMs ?? 400;
  const agentPath = opts.path ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const running = new Set<ReturnType<typeof spawn>>();

  const inRegion = (i: ManagedInstance, region: string) =>
    i.Regions === undefined || i.Regions.includes(region);

  function resolveTargets(region: string, targets: Array<{ Key: string; Values: string[] }>): string[] {
    const out: string[] = [];
    for (const inst of instances.values()) {
      if (!inRegion(inst, region)) continue;
      const match = targets.every((t) => {
        if (t.Key === 'InstanceIds') return t.Values.includes(inst.InstanceId);
        if (t.Key === 'tag-key') return t.Values.some((k) => k in inst.Tags);
        if (t.Key.startsWith('tag:')) {
          const value = inst.Tags[t.Key.slice(4)];
          return value !== undefined && t.Values.includes(value);
        }
        return false;
      });
      if (match) out.push(inst.InstanceId);
    }
    return out.sort();
  }

  function sendCommand(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const documentName = r.string('DocumentName', { required: true, min: 1, max: 128 });
    const instanceIds = r.stringList('InstanceIds', { max: 50 }) ?? [];
    const rawTargets = r.objectList('Targets', { max: 5 }) ?? [];
    const timeoutSeconds = r.integer('TimeoutSeconds', { min: 30, max: 2_592_000 }) ?? 3600;
    const comment = r.string('Comment', { max: 100 }) ?? '';
    const maxConcurrency = r.string('MaxConcurrency', { min: 1, max: 7 }) ?? '50';
    const maxErrors = r.string('MaxErrors', { min: 1, max: 7 }) ?? '0';
    r.done();
    if (!CONCURRENCY.test(maxConcurrency)) {
      throw new AwsError(
        'ValidationException',
        400,
        `1 validation error detected: Value '${maxConcurrency}' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression pattern: ${CONCURRENCY.source}`,
      );
    }
    if (!ERRORS.test(maxErrors)) {
      throw new AwsError(
        'ValidationException',
        400,
        `1 validation error detected: Value '${maxErrors}' at 'maxErrors' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ERRORS.source}`,
      );
    }
    if (!DOCUMENTS.has(documentName!)) {
      throw new AwsError('InvalidDocument', 400, `Document with name ${documentName} does not exist.`);
    }
    const rawParams = input['Parameters'];
    const parameters: Record<string, string[]> = {};
    if (rawParams !== undefined) {
      if (rawParams === null || typeof rawParams !== 'object' || Array.isArray(rawParams)) {
        throw new AwsError('SerializationException', 400, "Member 'Parameters' must be a map.");
      }
      for (const [key, value] of Object.entries(rawParams as JsonObject)) {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
          throw new AwsError('SerializationException', 400, `Parameter '${key}' must be a list of strings.`);
        }
        parameters[key] = value as string[];
      }
    }
    for (const key of Object.keys(parameters)) {
      if (!['commands', 'workingDirectory', 'executionTimeout'].includes(key)) {
        throw new AwsError(
          'InvalidParameters',
          400,
          `Parameter "${key}" is not defined in document ${documentName}.`,
        );
      }
    }
    if (!parameters['commands']?.length) {
      throw new AwsError('InvalidParameters', 400, 'Parameter "commands" is required.');
    }
    const executionTimeout = Number(parameters['executionTimeout']?.[0] ?? '3600');
    if (!Number.isInteger(executionTimeout) || executionTimeout < 1 || executionTimeout > 172_800) {
      throw new AwsError(
        'InvalidParameters',
        400,
        'Parameter "executionTimeout" must be a number of seconds between 1 and 172800.',
      );
    }
    if ((instanceIds.length === 0) === (rawTargets.length === 0)) {
      throw new AwsError(
        'ValidationException',
        400,
        'Exactly one of InstanceIds and Targets must be specified.',
      );
    }
    const targets = rawTargets.map((t) => {
      const key = t['Key'];
      const values = t['Values'];
      if (typeof key !== 'string' || !/^(tag:.+|tag-key|InstanceIds|resource-groups:Name)$/.test(key)) {
        throw new AwsError('InvalidTarget', 400, `Target key ${String(key)} is not valid.`);
      }
      if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
        throw new AwsError('InvalidTarget', 400, `Target ${key} needs at least one value.`);
      }
      return { Key: key, Values: values as string[] };
    });
    let ids: string[];
    if (instanceIds.length > 0) {
      const bad = instanceIds.filter(
        (id) => !INSTANCE_ID.test(id) || !instances.has(id) || !inRegion(instances.get(id)!, ctx.region),
      );
      if (bad.length > 0)
        throw new AwsError(
          'InvalidInstanceId',
          400,
          `Instances [[${bad.join(', ')}]] not in a valid state for account ${ctx.accountId}`,
        );
      ids = [...new Set(instanceIds)];
    } else {
      ids = resolveTargets(ctx.region, targets);
    }
    const id = randomUUID();
    const now = Date.now();
    const command: Command = {
      id,
      region: ctx.region,
      documentName: documentName!,
      comment,
      parameters,
      instanceIds,
      targets,
      requested: new Date(now),
      timeoutSeconds,
      maxConcurrency,
      maxErrors,
      invocations: ids.map((instanceId) => ({
        instanceId,
        status: 'Pending',
        details: 'Pending',
        responseCode: -1,
        stdout: '',
        stderr: '',
        dir: join(
          opts.agentDir,
          instanceId,
          'document',
          'orchestration',
          id,
          'awsrunShellScript',
          '0.awsrunShellScript',
        ),
        visibleAt: now + delay,
      })),
      errorCount: 0,
      completedCount: 0,
      status: ids.length ? 'Pending' : 'Success',
      details: ids.length ? 'Pending' : 'Success',
    };
    commands.set(id, command);
    setTimeout(() => schedule(command, executionTimeout), delay).unref();
    return { Command: renderCommand(command) };
  }

  /** The agent: starts invocations as MaxConcurrency allows, stops sending once MaxErrors is exceeded. */
  function schedule(command: Command, executionTimeout: number): void {
    const n = command.invocations.length;
    const concurrency = rateLimit(command.maxConcurrency, n, 1);
    const maxErrors = rateLimit(command.maxErrors, n, 0);
    const next = () => {
      if (command.errorCount > maxErrors) {
        for (const inv of command.invocations) {
          if (inv.status === 'Pending') {
            inv.status = 'Cancelled';
            inv.details = 'Cancelled';
          }
        }
      }
      const active = command.invocations.filter((i) => i.status === 'InProgress').length;
      const pending = command.invocations.filter((i) => i.status === 'Pending');
      for (const inv of pending.slice(0, Math.max(0, concurrency - active))) {
        command.status = 'InProgress';
        command.details = 'InProgress';
        execute(command, inv, executionTimeout, () => {
          command.completedCount += 1;
          if (inv.status === 'Failed' || inv.status === 'TimedOut') command.errorCount += 1;
          next();
        });
      }
      if (command.invocations.every((i) => !['Pending', 'InProgress'].includes(i.status)))
        finish(command, maxErrors);
    };
    next();
  }

  function finish(command: Command, maxErrors: number): void {
    const all = command.invocations;
    if (all.every((i) => i.status === 'Success')) {
      command.status = 'Success';
      command.details = 'Success';
    } else if (command.errorCount > maxErrors) {
      command.status = 'Failed';
      command.details = all.some((i) => i.status === 'TimedOut') ? 'ExecutionTimedOut' : 'Failed';
    } else {
      command.status = 'Failed';
      command.details = 'Incomplete';
    }
  }

  function execute(command: Command, inv: Invocation, timeoutSeconds: number, done: () => void): void {
    inv.status = 'InProgress';
    inv.details = 'InProgress';
    inv.start = new Date();
    mkdirSync(inv.dir, { recursive: true, mode: 0o700 });
    const script = join(inv.dir, '_script.sh');
    writeFileSync(script, `${command.parameters['commands']!.join('\n')}\n`, { mode: 0o700 });
    const cwd = command.parameters['workingDirectory']?.[0] || inv.dir;
    const child = spawn('sh', [script], {
      cwd,
      env: {
        PATH: agentPath,
        LANG: 'C.UTF-8',
        AWS_SSM_INSTANCE_ID: inv.instanceId,
        AWS_SSM_REGION_NAME: command.region,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (inv.stdout += c));
    child.stderr.on('data', (c: string) => (inv.stderr += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutSeconds * 1000);
    timer.unref();
    const settle = (code: number | null) => {
      clearTimeout(timer);
      running.delete(child);
      inv.end = new Date();
      writeFileSync(join(inv.dir, 'stdout'), inv.stdout);
      writeFileSync(join(inv.dir, 'stderr'), inv.stderr);
      if (timedOut) {
        inv.status = 'TimedOut';
        inv.details = 'ExecutionTimedOut';
        inv.responseCode = -1;
      } else {
        inv.responseCode = code ?? -1;
        inv.status = code === 0 ? 'Success' : 'Failed';
        inv.details = inv.status;
      }
      done();
    };
    child.on('error', (error) => {
      inv.stderr += `failed to run commands: ${error.message}\n`;
      settle(1);
    });
    child.on('close', (code) => settle(code));
  }

  function renderCommand(c: Command): JsonObject {
    return {
      CommandId: c.id,
      DocumentName: c.documentName,
      DocumentVersion: '$DEFAULT',
      Comment: c.comment,
      ExpiresAfter: new Date(c.requested.getTime() + c.timeoutSeconds * 1000),
      Parameters: c.parameters,
      InstanceIds: c.instanceIds,
      Targets: c.targets,
      RequestedDateTime: c.requested,
      Status: c.status,
      StatusDetails: c.details,
      MaxConcurrency: c.maxConcurrency,
      MaxErrors: c.maxErrors,
      TargetCount: c.invocations.length,
      CompletedCount: c.completedCount,
      ErrorCount: c.errorCount,
      DeliveryTimedOutCount: 0,
      TimeoutSeconds: c.timeoutSeconds,
    };
  }

  const iso = (d: Date | undefined) => (d ? d.toISOString() : '');

  function findCommand(id: string | undefined, region: string): Command {
    const c = id === undefined ? undefined : commands.get(id);
    if (c === undefined || c.region !== region) throw new AwsError('InvalidCommandId', 400);
    return c;
  }

  function getCommandInvocation(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const commandId = r.string('CommandId', { required: true, min: 36, max: 36 });
    const instanceId = r.string('InstanceId', { required: true });
    const pluginName = r.string('PluginName', { min: 4 });
    r.done();
    const c = commands.get(commandId!);
    const inv = c?.region === ctx.region ? c.invocations.find((i) => i.instanceId === instanceId) : undefined;
    if (c === undefined || inv === undefined || Date.now() < inv.visibleAt)
      throw new AwsError('InvocationDoesNotExist', 400);
    if (pluginName !== undefined && pluginName !== PLUGIN) throw new AwsError('InvalidPluginName', 400);
    const elapsed = inv.start ? ((inv.end ?? new Date()).getTime() - inv.start.getTime()) / 1000 : 0;
    return {
      CommandId: c.id,
      InstanceId: inv.instanceId,
      Comment: c.comment,
      DocumentName: c.documentName,
      DocumentVersion: '$DEFAULT',
      PluginName: PLUGIN,
      ResponseCode: inv.responseCode,
      ExecutionStartDateTime: iso(inv.start),
      ExecutionElapsedTime: inv.start ? `PT${elapsed.toFixed(3)}S` : '',
      ExecutionEndDateTime: iso(inv.end),
      Status: inv.status,
      StatusDetails: inv.details,
      StandardOutputContent: inv.stdout.slice(0, STDOUT_LIMIT),
      StandardOutputUrl: '',
      StandardErrorContent: inv.stderr.slice(0, STDERR_LIMIT),
      StandardErrorUrl: '',
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    };
  }

  function listCommandInvocations(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const commandId = r.string('CommandId', { min: 36, max: 36 });
    const instanceId = r.string('InstanceId');
    const maxResults = r.integer('MaxResults', { min: 1, max: 50 }) ?? 50;
    const nextToken = r.string('NextToken');
    const details = r.boolean('Details') ?? false;
    r.done();
    const now = Date.now();
    const list = [...commands.values()]
      .filter((c) => c.region === ctx.region && (commandId === undefined || c.id === commandId))
      .flatMap((c) =>
        c.invocations
          .filter((i) => now >= i.visibleAt && (instanceId === undefined || i.instanceId === instanceId))
          .map((i) => ({ c, i })),
      );
    const start = nextToken ? Number(Buffer.from(nextToken, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw new AwsError('InvalidNextToken', 400, "The specified token isn't valid.");
    const page = list.slice(start, start + maxResults);
    return {
      CommandInvocations: page.map(({ c, i }) => ({
        CommandId: c.id,
        InstanceId: i.instanceId,
        InstanceName: instances.get(i.instanceId)?.Tags['Name'] ?? '',
        Comment: c.comment,
        DocumentName: c.documentName,
        DocumentVersion: '$DEFAULT',
        RequestedDateTime: c.requested,
        Status: i.status,
        StatusDetails: i.details,
        StandardOutputUrl: '',
        StandardErrorUrl: '',
        CommandPlugins: details
          ? [
              {
                Name: PLUGIN,
                Status: i.status,
                StatusDetails: i.details,
                ResponseCode: i.responseCode,
                ...(i.start ? { ResponseStartDateTime: i.start } : {}),
                ...(i.end ? { ResponseFinishDateTime: i.end } : {}),
                Output: (i.stdout + (i.stderr ? `\n----------ERROR-------\n${i.stderr}` : '')).slice(
                  0,
                  LIST_OUTPUT_LIMIT,
                ),
                StandardOutputUrl: '',
                StandardErrorUrl: '',
              },
            ]
          : [],
      })),
      ...(start + maxResults < list.length
        ? { NextToken: Buffer.from(String(start + maxResults)).toString('base64url') }
        : {}),
    };
  }

  function listCommands(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const commandId = r.string('CommandId', { min: 36, max: 36 });
    r.integer('MaxResults', { min: 1, max: 50 });
    r.done();
    if (commandId !== undefined) return { Commands: [renderCommand(findCommand(commandId, ctx.region))] };
    return { Commands: [...commands.values()].filter((c) => c.region === ctx.region).map(renderCommand) };
  }

  function summarize(operation: string, input: JsonObject): Record<string, unknown> | undefined {
    switch (operation) {
      case 'SendCommand':
        // Never the commands themselves: they may carry presigned URLs.
        return {
          DocumentName: input['DocumentName'],
          InstanceIds: input['InstanceIds'],
          Targets: input['Targets'],
          MaxConcurrency: input['MaxConcurrency'],
          MaxErrors: input['MaxErrors'],
        };
      case 'GetCommandInvocation':
      case 'ListCommandInvocations':
      case 'ListCommands':
        return { CommandId: input['CommandId'], InstanceId: input['InstanceId'] };
      default:
        return undefined;
    }
  }

  function admin(req: AdminRequest): AdminResult | undefined {
    if (req.path === '/instances') {
      if (req.method === 'GET') return { status: 200, body: { instances: [...instances.values()] } };
      if (req.method === 'POST') {
        const body = req.body as { instances?: ManagedInstance[] } | undefined;
        if (!Array.isArray(body?.instances))
          return { status: 400, body: { error: 'body must be { instances: ManagedInstance[] }' } };
        for (const inst of body.instances) {
          if (typeof inst.InstanceId !== 'string' || !INSTANCE_ID.test(inst.InstanceId)) {
            return { status: 400, body: { error: `invalid InstanceId ${JSON.stringify(inst.InstanceId)}` } };
          }
          instances.set(inst.InstanceId, {
            InstanceId: inst.InstanceId,
            Tags: inst.Tags ?? {},
            ...(inst.Regions ? { Regions: inst.Regions } : {}),
          });
        }
        return { status: 200, body: { instances: [...instances.values()] } };
      }
      if (req.method === 'DELETE') {
        const id = req.query.get('id');
        if (id) instances.delete(id);
        return { status: 200, body: { ok: true } };
      }
    }
    if (req.path === '/commands' && req.method === 'GET') {
      return {
        status: 200,
        body: {
          commands: [...commands.values()].map((c) =>
            toWire({
              ...renderCommand(c),
              Region: c.region,
              Invocations: c.invocations.map((i) => ({
                InstanceId: i.instanceId,
                Status: i.status,
                StatusDetails: i.details,
                ResponseCode: i.responseCode,
                Start: i.start,
                End: i.end,
                Directory: i.dir,
              })),
            }),
          ),
        },
      };
    }
    return undefined;
  }

  return {
    operations: {
      SendCommand: sendCommand,
      GetCommandInvocation: getCommandInvocation,
      ListCommandInvocations: listCommandInvocations,
      ListCommands: listCommands,
    },
    summarize,
    admin,
    reset() {
      commands.clear();
    },
    instances,
  };
}

/** The script an invocation ran (for tests). */
export function invocationScript(dir: string): string {
  return readFileSync(join(dir, '_script.sh'), 'utf8');
}
