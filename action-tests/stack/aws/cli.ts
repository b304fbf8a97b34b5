// Run the emulator as its own process (Node 24):
//   node action-tests/stack/aws/cli.ts [--host 127.0.0.1] [--port 0] [--account 123456789012]
//        [--access-key-id AKID --secret-access-key SECRET [--session-token TOKEN]]
// Defaults for the keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
// then fixed test values. Prints one JSON line {"url","port","accountId","accessKeyId"} once
// listening; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startAwsServer } from './server.ts';
import { createSsmService } from './ssm.ts';
import { createS3Service } from './s3.ts';
import { createCloudFrontService } from './cloudfront.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    account: { type: 'string', default: '123456789012' },
    'access-key-id': { type: 'string' },
    'secret-access-key': { type: 'string' },
    'session-token': { type: 'string' },
  },
});

const accessKeyId = values['access-key-id'] ?? process.env['AWS_ACCESS_KEY_ID'] ?? 'AKIAEMULATOR00000001';
const secretAccessKey =
  values['secret-access-key'] ?? process.env['AWS_SECRET_ACCESS_KEY'] ?? 'emulator-secret-access-key';
const sessionToken = values['session-token'] ?? process.env['AWS_SESSION_TOKEN'];

const server = await startAwsServer({
  host: values.host,
  port: Number(values.port),
  accountId: values.account,
  credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  services: [
    createSsmService({ accountId: values.account }),
    createS3Service({ accountId: values.account }),
    createCloudFrontService({ accountId: values.account }),
  ],
  maxBodyBytes: 64 * 1024 * 1024,
});
process.stdout.write(
  `${JSON.stringify({ url: server.url, port: server.port, accountId: server.accountId, accessKeyId })}\n`,
);

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
