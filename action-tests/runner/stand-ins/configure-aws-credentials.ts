// aws-actions/configure-aws-credentials, OIDC flow: instead of calling STS AssumeRoleWithWebIdentity it
// hands out the sample stack's credentials and points the AWS SDK/CLI at the stack's endpoints.
import { readFileSync } from 'node:fs';
import type { StandIn } from './types.ts';

/** The sample stack description file (env SAMPLE_STACK_FILE). */
export interface SampleStack {
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Service key (e.g. `ssm`, `s3`) -> endpoint URL. */
  endpoints: Record<string, string>;
}

export function readSampleStack(file: string): SampleStack {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `Cannot read the sample stack file ${file} (SAMPLE_STACK_FILE): ${(err as Error).message}`,
    );
  }
  const s = parsed as Partial<SampleStack>;
  const problems: string[] = [];
  if (typeof s.region !== 'string') problems.push('region');
  if (typeof s.accountId !== 'string') problems.push('accountId');
  if (typeof s.credentials?.accessKeyId !== 'string' || typeof s.credentials.secretAccessKey !== 'string') {
    problems.push('credentials.accessKeyId/secretAccessKey');
  }
  if (s.endpoints !== undefined && (typeof s.endpoints !== 'object' || s.endpoints === null))
    problems.push('endpoints');
  if (problems.length)
    throw new Error(`The sample stack file ${file} lacks or has invalid: ${problems.join(', ')}`);
  return { ...(s as SampleStack), endpoints: s.endpoints ?? {} };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

export const configureAwsCredentials: StandIn = {
  name: 'aws-actions/configure-aws-credentials',
  description: 'OIDC role assumption against the local sample stack (SAMPLE_STACK_FILE)',
  inputs: {
    'aws-region': { required: true },
    'role-to-assume': {},
    'aws-access-key-id': {},
    'aws-secret-access-key': {},
    'aws-session-token': {},
    'web-identity-token-file': {},
    'role-chaining': { default: 'false' },
    audience: { default: 'sts.amazonaws.com' },
    'http-proxy': {},
    'proxy-server': {},
    'no-proxy': {},
    'mask-aws-account-id': { default: 'false' },
    'role-duration-seconds': { default: '3600' },
    'role-external-id': {},
    'role-session-name': { default: 'GitHubActions' },
    'role-skip-session-tagging': { default: 'false' },
    'inline-session-policy': {},
    'managed-session-policies': {},
    'output-credentials': { default: 'false' },
    'output-env-credentials': { default: 'true' },
    'unset-current-credentials': { default: 'false' },
    'disable-retry': { default: 'false' },
    'retry-max-attempts': { default: '12' },
    'special-characters-workaround': { default: 'false' },
    'use-existing-credentials': { default: 'false' },
    'allowed-account-ids': {},
    'force-skip-oidc': { default: 'false' },
    'action-timeout-s': {},
  },
  run(ctx) {
    const region = ctx.getInput('aws-region', { required: true });
    if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`Region is not valid: ${region}`);
    const role = ctx.getInput('role-to-assume');
    if (!role) {
      throw new Error(
        'Input required and not supplied: role-to-assume (the stand-in implements the OIDC flow only: ' +
          '`role-to-assume` with `permissions: id-token: write`; static access keys are not supported)',
      );
    }
    if (!ctx.env.ACTIONS_ID_TOKEN_REQUEST_URL || !ctx.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new Error(
        'Could not assume role with OIDC: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable. ' +
          'It looks like you might be trying to authenticate with OIDC. Did you mean to set the ' +
          '`id-token: write` permission? (`permissions: id-token: write` at workflow or job level)',
      );
    }
    if (!ctx.stackFile) {
      throw new Error(
        'SAMPLE_STACK_FILE is not set: the configure-aws-credentials stand-in needs the sample stack description ' +
          '(pass it in the runner env, e.g. runJob({ env: { SAMPLE_STACK_FILE } }) or --env-file)',
      );
    }
    const stack = readSampleStack(ctx.stackFile);
    let roleArn = role;
    const m = ROLE_ARN.exec(role);
    if (role.startsWith('arn:')) {
      if (!m) throw new Error(`Invalid role ARN: '${role}'`);
      if (m[1] !== stack.accountId) {
        ctx.warning(
          `role-to-assume is in account ${m[1]}, but the sample stack's account is ${stack.accountId}`,
        );
      }
    } else {
      roleArn = `arn:aws:iam::${stack.accountId}:role/${role}`;
    }
    const allowed = ctx.getInput('allowed-account-ids');
    if (
      allowed &&
      !allowed
        .split(',')
        .map((a) => a.trim())
        .includes(stack.accountId)
    ) {
      throw new Error(
        `The account ID of the provided credentials (${stack.accountId}) is not in 'allowed-account-ids'`,
      );
    }
    if (region !== stack.region) {
      ctx.log(
        `note: aws-region ${region} differs from the sample stack's region ${stack.region}; endpoints are the same`,
      );
    }

    const { accessKeyId, secretAccessKey, sessionToken } = stack.credentials;
    ctx.mask(secretAccessKey);
    if (sessionToken) ctx.mask(sessionToken);
    if (ctx.getInput('mask-aws-account-id') === 'true') ctx.mask(stack.accountId);
    if (ctx.getInput('output-env-credentials') !== 'false') {
      ctx.exportVariable('AWS_ACCESS_KEY_ID', accessKeyId);
      ctx.exportVariable('AWS_SECRET_ACCESS_KEY', secretAccessKey);
      if (sessionToken) ctx.exportVariable('AWS_SESSION_TOKEN', sessionToken);
    }
    ctx.exportVariable('AWS_REGION', region);
    ctx.exportVariable('AWS_DEFAULT_REGION', region);
    const endpointVars: string[] = [];
    for (const [key, url] of Object.entries(stack.endpoints)) {
      const name = `AWS_ENDPOINT_URL_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
      ctx.exportVariable(name, url);
      endpointVars.push(name);
    }
    ctx.setOutput('aws-account-id', stack.accountId);
    if (ctx.getInput('output-credentials') === 'true') {
      ctx.setOutput('aws-access-key-id', accessKeyId);
      ctx.setOutput('aws-secret-access-key', secretAccessKey);
      if (sessionToken) ctx.setOutput('aws-session-token', sessionToken);
      ctx.setOutput('aws-expiration', new Date(Date.now() + 3600_000).toISOString());
    }
    return (
      `assumed ${roleArn} (session ${ctx.getInput('role-session-name')}) with the sample stack's credentials ` +
      `(account ${stack.accountId}); exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY${sessionToken ? ', AWS_SESSION_TOKEN' : ''}, ` +
      `AWS_REGION/AWS_DEFAULT_REGION=${region}${endpointVars.length ? `, ${endpointVars.join(', ')}` : ''}`
    );
  },
};
