// The emulator as a separate process: start, reach it with the SDK, stop.
import { expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsAdmin } from '../admin-client.ts';

test('cli.ts prints its URL, serves SSM, and stops on SIGTERM', async () => {
  const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [cli, '--account', '111122223333', '--access-key-id', 'AKIACLI', '--secret-access-key', 'cli-secret'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const info = JSON.parse(line) as { url: string; accountId: string };
    expect(info.accountId).toBe('111122223333');
    await awsAdmin(info.url).ssm.put('us-east-1', [{ Name: '/cli/p', Value: 'v' }]);
    const ssm = new SSMClient({
      region: 'us-east-1',
      endpoint: info.url,
      credentials: { accessKeyId: 'AKIACLI', secretAccessKey: 'cli-secret' },
    });
    const res = await ssm.send(new GetParameterCommand({ Name: '/cli/p' }));
    ssm.destroy();
    expect(res.Parameter!.ARN).toBe('arn:aws:ssm:us-east-1:111122223333:parameter/cli/p');
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
}, 20000);
