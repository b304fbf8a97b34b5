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
export { awsAdmin, AdminError } from './admin-client.ts';
export type { AwsAdminClient, AdminParameter } from './admin-client.ts';
export { seedParameters } from './seed.ts';
export type { SeedParameter } from './seed.ts';
export { createEcrService } from './ecr.ts';
export type { EcrRegistry, EcrService } from './ecr.ts';
