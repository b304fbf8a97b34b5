import { InputError } from './inputs.ts';
import { UserError } from './errors.ts';

/** What every AWS client of this package is built with (see `awsClientConfig`). */
export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The region from the action's `aws-region` input, else AWS_REGION / AWS_DEFAULT_REGION, which
 * aws-actions/configure-aws-credentials exports.
 */
export function resolveRegion(input: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromInput = input.trim();
  const region = fromInput || env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || '';
  if (!region) {
    throw new InputError(
      'aws-region',
      'no region given. Set the aws-region input (e.g. us-east-1) or run aws-actions/configure-aws-credentials first, which sets AWS_REGION.',
    );
  }
  if (!REGION_PATTERN.test(region)) {
    const source = fromInput ? 'input' : 'AWS_REGION';
    throw new InputError(
      'aws-region',
      `invalid region '${region}' (from ${source}). Expected a region code such as us-east-1.`,
    );
  }
  return region;
}

/**
 * Client settings: credentials come from the SDK's default chain (environment, web identity, ...),
 * endpoints from AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> (the SDK reads both itself), and
 * explicit timeouts so a dead endpoint fails the step instead of hanging it.
 */
export function awsClientConfig(
  region: string,
  opts: { maxAttempts?: number; connectionTimeoutMs?: number; requestTimeoutMs?: number } = {},
): AwsClientConfig {
  return {
    region,
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
    },
  };
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

export interface AwsErrorInfo {
  name: string;
  message: string;
  status?: number;
  requestId?: string;
  attempts?: number;
}

export function awsErrorInfo(error: unknown): AwsErrorInfo {
  const e = (error ?? {}) as SdkErrorShape;
  return {
    name: e.name ?? e.code ?? 'Error',
    message: e.message ?? String(error),
    status: e.$metadata?.httpStatusCode,
    requestId: e.$metadata?.requestId,
    attempts: e.$metadata?.attempts,
  };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ThrottledException',
]);

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(awsErrorInfo(error).name);
}

/**
 * Turns the failures every AWS-calling action shares (no credentials, access denied, throttling,
 * unreachable endpoint) into a UserError that says what to check. `what` names the operation and
 * resources, e.g. "reading SSM parameters /app/host, /app/key".
 */
export function explainAwsError(error: unknown, what: string, region: string): Error {
  const info = awsErrorInfo(error);
  const where = `in ${region}`;
  if (info.name === 'CredentialsProviderError' || /Could not load credentials/i.test(info.message)) {
    return new UserError(
      `No AWS credentials for ${what}. Run aws-actions/configure-aws-credentials (with role-to-assume and 'permissions: id-token: write') before this step.`,
      { cause: error },
    );
  }
  if (info.name === 'AccessDeniedException' || info.name === 'AccessDenied' || info.status === 403) {
    return new UserError(
      `Access denied ${what} ${where}: ${info.message} Check the role's IAM policy for this action and resource.`,
      {
        cause: error,
      },
    );
  }
  if (
    info.name === 'UnrecognizedClientException' ||
    info.name === 'InvalidSignatureException' ||
    info.name === 'ExpiredTokenException'
  ) {
    return new UserError(`AWS rejected the credentials ${what} ${where} (${info.name}): ${info.message}`, {
      cause: error,
    });
  }
  if (isThrottling(error)) {
    return new UserError(
      `AWS throttled ${what} ${where}${info.attempts ? ` after ${info.attempts} attempts` : ''} (${info.name}). Retry the job later, or reduce how many jobs call this API at once.`,
      { cause: error },
    );
  }
  if (
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|TimeoutError|socket hang up/i.test(
      `${info.name} ${info.message}`,
    )
  ) {
    return new UserError(
      `Could not reach AWS ${what} ${where} (${info.name}: ${info.message}). Check aws-region and any AWS_ENDPOINT_URL settings.`,
      {
        cause: error,
      },
    );
  }
  return new Error(
    `AWS error ${what} ${where}: ${info.name}: ${info.message}${info.requestId ? ` (request id ${info.requestId})` : ''}`,
    {
      cause: error,
    },
  );
}
