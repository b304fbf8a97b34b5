import { describe, expect, test } from '@jest/globals';
import { awsClientConfig, explainAwsError, resolveRegion } from './aws.ts';
import { UserError } from './errors.ts';

describe('resolveRegion', () => {
  test('input wins over the environment', () => {
    expect(resolveRegion('eu-west-1', { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
  });
  test('AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveRegion('', { AWS_REGION: 'us-east-2' })).toBe('us-east-2');
    expect(resolveRegion('', { AWS_DEFAULT_REGION: 'ap-southeast-2' })).toBe('ap-southeast-2');
  });
  test('none names the input and configure-aws-credentials', () => {
    expect(() => resolveRegion('', {})).toThrow(
      /Input 'aws-region': no region given.*configure-aws-credentials/,
    );
  });
  test('a malformed region names where it came from', () => {
    expect(() => resolveRegion('us east', {})).toThrow(
      "Input 'aws-region': invalid region 'us east' (from input)",
    );
    expect(() => resolveRegion('', { AWS_REGION: 'nowhere' })).toThrow('(from AWS_REGION)');
  });
});

test('client config sets timeouts and retries explicitly', () => {
  expect(awsClientConfig('us-east-1')).toEqual({
    region: 'us-east-1',
    maxAttempts: 5,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30000 },
  });
});

describe('explainAwsError', () => {
  const err = (name: string, message = 'm', extra: object = {}) =>
    Object.assign(new Error(message), { name, ...extra });
  test.each([
    [
      err('CredentialsProviderError', 'Could not load credentials from any providers'),
      /No AWS credentials.*configure-aws-credentials/,
    ],
    [err('AccessDeniedException', 'not authorized'), /Access denied reading x in us-east-1: not authorized/],
    [
      err('ThrottlingException', 'Rate exceeded', { $metadata: { attempts: 5 } }),
      /AWS throttled reading x in us-east-1 after 5 attempts/,
    ],
    [err('UnrecognizedClientException', 'bad token'), /rejected the credentials/],
    [err('Error', 'connect ECONNREFUSED 127.0.0.1:1'), /Could not reach AWS.*aws-region/],
  ])('%p becomes a user error', (error, message) => {
    const out = explainAwsError(error, 'reading x', 'us-east-1');
    expect(out).toBeInstanceOf(UserError);
    expect(out.message).toMatch(message);
    expect(out.cause).toBe(error);
  });
  test('anything else keeps its cause and is not a user error', () => {
    const error = err('InternalServerError', 'boom', { $metadata: { requestId: 'r-1' } });
    const out = explainAwsError(error, 'reading x', 'us-east-1');
    expect(out).not.toBeInstanceOf(UserError);
    expect(out.message).toBe('AWS error reading x in us-east-1: InternalServerError: boom (request id r-1)');
  });
});
