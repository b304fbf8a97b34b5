// AWS endpoint emulator for the sample stack: see README.md.
export { startAwsServer, parseFaultRule, parseDenyRule } from './server.ts';
export type {
  AwsServer,
  AwsServerOptions,
  CallFilter,
  CallRecord,
  DenyRule,
  DenyState,
  FaultRule,
  FaultState,
} from './server.ts';
export { AwsError, partitionOf } from './types.ts';
export type {
  AwsCredentials,
  CallContext,
  DecodedCall,
  HttpResult,
  RawRequest,
  ServiceHandler,
} from './types.ts';
export { jsonService, InputReader, validationException, toWire } from './json-protocol.ts';
export type { JsonObject, JsonOperation, JsonServiceDefinition } from './json-protocol.ts';
export { createSsmService, parameterArn, validateParameterName } from './ssm.ts';
export type { SsmService, SsmParameterApi, ParameterSnapshot, PutParameterInput } from './ssm.ts';
export { createRunCommand, rateLimit } from './ssm-run-command.ts';
export type { ManagedInstance, RunCommandOptions, RunCommandService } from './ssm-run-command.ts';
export { awsAdmin, AdminError } from './admin-client.ts';
export type {
  AwsAdminClient,
  AdminParameter,
  AdminCommand,
  AdminS3Object,
  AdminInvalidation,
} from './admin-client.ts';
export { seedParameters } from './seed.ts';
export type { SeedParameter } from './seed.ts';
export { createS3Service, computeChecksum, decodeAwsChunked } from './s3.ts';
export type { S3Service, S3StateApi, S3Bucket, S3Object, S3ServiceOptions, ChecksumAlgorithm } from './s3.ts';
export { parseXml, escapeXml } from './xml.ts';
export type { XmlElement } from './xml.ts';
export {
  createCloudFrontService,
  isValidInvalidationPath,
  MAX_FILE_PATHS_IN_PROGRESS,
  MAX_WILDCARD_PATHS_IN_PROGRESS,
} from './cloudfront.ts';
export type { CloudFrontService, CloudFrontStateApi, Distribution, Invalidation } from './cloudfront.ts';
export { createEcrService } from './ecr.ts';
export type { EcrRegistry, EcrService } from './ecr.ts';
