// SSM Run Command emulation (SendCommand, GetCommandInvocation, ListCommandInvocations, ListCommands),
// exercised with the unmodified AWS SDK. The agent runs the commands on this machine, as root.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  InvalidDocument,
  InvalidInstanceId,
  InvalidParameters,
  InvocationDoesNotExist,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { startAwsServer, type AwsServer } from '../server.ts';
import { createSsmService } from '../ssm.ts';
import { rateLimit } from '../ssm-run-command.ts';

const ACCOUNT = '123456789012';
const CREDS = {
  accessKeyId: 'AKIAEMULATORTEST0002',
  secretAccessKey: 'emulator/Secret+Key/run-command-test',
};
const REGION = 'us-east-1';
const [A, B, C] = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'];
const work = mkdtempSync(join(tmpdir(), 'run-command-'));

let server: AwsServer;
let ssm: SSMClient;

beforeAll(async () => {
  const service = createSsmService({
    accountId: ACCOUNT,
    runCommand: {
      agentDir: join(work, 'agent'),
      visibilityDelayMs: 300,
      instances: [
        { InstanceId: A, Tags: { Role: 'api', Name: 'api-a' } },
        { InstanceId: B, Tags: { Role: 'api', Name: 'api-b' } },
        { InstanceId: C, Tags: { Role: 'worker' } },
      ],
    },
  });
  server = await startAwsServer({ accountId: ACCOUNT, credentials: CREDS, services: [service] });
  ssm = new SSMClient({ region: REGION, endpoint: server.url, credentials: CREDS });
});
afterAll(async () => {
  ssm.destroy();
  await server.close();
});

async function send(commands: string[], extra: Partial<SendCommandCommandInput> = {}): Promise<string> {
  const out = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      Parameters: { commands },
      ...(extra.Targets ? {} : { InstanceIds: [A] }),
      ...extra,
    }),
  );
  return out.Command!.CommandId!;
}

async function waitInvocation(
  commandId: string,
  instanceId: string,
): Promise<GetCommandInvocationCommandOutput> {
  for (let i = 0; i < 200; i++) {
    try {
      const out = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
      if (!['Pending', 'InProgress', 'Delayed'].includes(out.Status!)) return out;
    } catch (e) {
      if (!(e instanceof InvocationDoesNotExist)) throw e;
    }
    await sleep(50);
  }
  throw new Error('invocation did not finish');
}

test('an invocation does not exist right after SendCommand, then runs as root in the agent directory', async () => {
  const id = await send([
    'id -u',
    'pwd',
    'echo "$AWS_SSM_INSTANCE_ID $AWS_SSM_REGION_NAME"',
    'echo oops >&2',
  ]);
  await expect(
    ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: A })),
  ).rejects.toBeInstanceOf(InvocationDoesNotExist);
  const out = await waitInvocation(id, A);
  expect(out).toMatchObject({
    Status: 'Success',
    StatusDetails: 'Success',
    ResponseCode: 0,
    PluginName: 'aws:runShellScript',
  });
  const [uid, cwd, env] = out.StandardOutputContent!.trim().split('\n');
  expect(uid).toBe('0');
  expect(cwd).toBe(
    join(work, 'agent', A, 'document', 'orchestration', id, 'awsrunShellScript', '0.awsrunShellScript'),
  );
  expect(readFileSync(join(cwd!, '_script.sh'), 'utf8')).toContain('id -u\npwd\n');
  expect(env).toBe(`${A} ${REGION}`);
  expect(out.StandardErrorContent).toBe('oops\n');
  expect(out.ExecutionElapsedTime).toMatch(/^PT\d+\.\d+S$/);
});

test('a non-zero exit is Failed with its response code', async () => {
  const id = await send(['echo before', 'exit 3']);
  const out = await waitInvocation(id, A);
  expect(out).toMatchObject({
    Status: 'Failed',
    StatusDetails: 'Failed',
    ResponseCode: 3,
    StandardOutputContent: 'before\n',
  });
});

test('stdout is cut at 24,000 characters, stderr at 8,000', async () => {
  const id = await send(['head -c 30000 /dev/zero | tr "\\0" a', 'head -c 9000 /dev/zero | tr "\\0" b >&2']);
  const out = await waitInvocation(id, A);
  expect(out.StandardOutputContent).toHaveLength(24_000);
  expect(out.StandardErrorContent).toHaveLength(8_000);
});

test('executionTimeout kills the script: TimedOut / ExecutionTimedOut', async () => {
  const id = await send(['sleep 30'], { Parameters: { commands: ['sleep 30'], executionTimeout: ['1'] } });
  const out = await waitInvocation(id, A);
  expect(out).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });
});

test('tag targets resolve to the matching instances; ListCommandInvocations lists them', async () => {
  const id = await send(['echo "$AWS_SSM_INSTANCE_ID"'], {
    Targets: [{ Key: 'tag:Role', Values: ['api'] }],
    MaxConcurrency: '2',
  });
  for (const i of [A, B]) expect((await waitInvocation(id, i)).StandardOutputContent).toBe(`${i}\n`);
  const list = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }));
  expect(list.CommandInvocations!.map((c) => [c.InstanceId, c.InstanceName, c.Status])).toEqual([
    [A, 'api-a', 'Success'],
    [B, 'api-b', 'Success'],
  ]);
  expect(list.CommandInvocations![0]!.CommandPlugins![0]!.Output).toBe(`${A}\n`);
  const cmd = (await ssm.send(new ListCommandsCommand({ CommandId: id }))).Commands![0]!;
  expect(cmd).toMatchObject({ Status: 'Success', TargetCount: 2, CompletedCount: 2, ErrorCount: 0 });
});

describe('rate control', () => {
  test('MaxConcurrency 1 runs one instance at a time', async () => {
    const log = join(work, 'concurrency.log');
    const id = await send(
      [`echo "start $(date +%s%N)" >> ${log}`, 'sleep 0.3', `echo "end $(date +%s%N)" >> ${log}`],
      {
        InstanceIds: [A, B, C],
        MaxConcurrency: '1',
      },
    );
    for (const i of [A, B, C]) await waitInvocation(id, i);
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(events).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
  });

  test('MaxErrors 0: after the first failure the other instances are not sent the command', async () => {
    const id = await send([`case "$AWS_SSM_INSTANCE_ID" in ${A}) exit 1;; esac`, 'echo ran'], {
      InstanceIds: [A, B, C],
      MaxConcurrency: '1',
      MaxErrors: '0',
    });
    expect((await waitInvocation(id, A)).Status).toBe('Failed');
    expect((await waitInvocation(id, B)).Status).toBe('Cancelled');
    expect((await waitInvocation(id, C)).StandardOutputContent).toBe('');
    const cmd = (await ssm.send(new ListCommandsCommand({ CommandId: id }))).Commands![0]!;
    expect(cmd).toMatchObject({ Status: 'Failed', StatusDetails: 'Failed', ErrorCount: 1 });
  });

  test('MaxErrors 1 tolerates one failure: the rest run, the command is Incomplete', async () => {
    const id = await send([`case "$AWS_SSM_INSTANCE_ID" in ${A}) exit 1;; esac`], {
      InstanceIds: [A, B, C],
      MaxConcurrency: '1',
      MaxErrors: '1',
    });
    expect((await waitInvocation(id, C)).Status).toBe('Success');
    const cmd = (await ssm.send(new ListCommandsCommand({ CommandId: id }))).Commands![0]!;
    expect(cmd).toMatchObject({ Status: 'Failed', StatusDetails: 'Incomplete', ErrorCount: 1 });
  });

  test.each([
    ['50', 3, 1, 50],
    ['34%', 3, 1, 1],
    ['10%', 3, 1, 1],
    ['10%', 3, 0, 0],
    ['100%', 7, 1, 7],
  ])('rateLimit(%p, %p targets, min %p) = %p', (value, n, min, want) =>
    expect(rateLimit(value, n, min)).toBe(want),
  );
});

test.each([
  [{ InstanceIds: ['i-0000000000000000f'] }, InvalidInstanceId],
  [{ DocumentName: 'AWS-RunPowerShellScript' }, InvalidDocument],
  [{ Parameters: {} }, InvalidParameters],
  [{ Parameters: { commands: ['true'], bogus: ['x'] } }, InvalidParameters],
])('SendCommand %p is refused', async (input, error) => {
  await expect(
    ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [A],
        Parameters: { commands: ['true'] },
        ...input,
      }),
    ),
  ).rejects.toBeInstanceOf(error);
});
