// SSM Parameter Store on the AWS JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.<Operation>`), with
// state per region: GetParameter, GetParameters, GetParametersByPath, PutParameter,
// DeleteParameter, DeleteParameters. Shapes, limits and messages follow AWS (see README.md).
import { randomBytes } from 'node:crypto';
import { InputReader, jsonService, toWire, type JsonObject } from './json-protocol.ts';
import { createRunCommand, type RunCommandOptions, type RunCommandService } from './ssm-run-command.ts';
import {
  AwsError,
  partitionOf,
  type AdminRequest,
  type AdminResult,
  type CallContext,
  type ServiceHandler,
} from './types.ts';

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering';

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const TIERS: readonly ParameterTier[] = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const DEFAULT_KEY_ID = 'alias/aws/ssm';
const STANDARD_MAX_BYTES = 4096;
const ADVANCED_MAX_BYTES = 8192;
const MAX_DEPTH = 15;
const MAX_VERSIONS = 100;

/** AWS's message for a malformed parameter name (PutParameter, GetParameter, ...). */
export const NAME_MESSAGE =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
/** AWS's message for a malformed GetParametersByPath path. */
export const PATH_MESSAGE =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with \\"aws\\" or \\"ssm\\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';
export const ALREADY_EXISTS_MESSAGE =
  'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.';

interface StoredVersion {
  version: number;
  type: ParameterType;
  value: string;
  /** SecureString: what callers without WithDecryption see. */
  ciphertext: string | undefined;
  keyId: string | undefined;
  tier: 'Standard' | 'Advanced';
  dataType: string;
  description: string | undefined;
  allowedPattern: string | undefined;
  lastModifiedDate: Date;
  lastModifiedUser: string;
}

interface StoredParameter {
  name: string;
  /** Oldest first; the last one is current. */
  versions: StoredVersion[];
}

/** PutParameter's input (the subset the emulator understands). */
export interface PutParameterInput {
  Name: string;
  Value: string;
  Type?: ParameterType;
  Overwrite?: boolean;
  Description?: string;
  KeyId?: string;
  AllowedPattern?: string;
  Tier?: ParameterTier;
  DataType?: string;
  Tags?: { Key: string; Value: string }[];
}

/** A parameter as the emulator holds it (plaintext value). */
export interface ParameterSnapshot {
  Region: string;
  Name: string;
  Type: ParameterType;
  Value: string;
  Version: number;
  LastModifiedDate: Date;
  LastModifiedUser: string;
  ARN: string;
  DataType: string;
  Tier: 'Standard' | 'Advanced';
  KeyId?: string;
  Description?: string;
}

/** Direct, in-process access to the parameter state (no auth, no call log). */
export interface SsmParameterApi {
  /** Same rules as PutParameter (throws AwsError); Overwrite defaults to true here. */
  put(region: string, input: PutParameterInput): { Version: number; Tier: 'Standard' | 'Advanced' };
  get(region: string, name: string): ParameterSnapshot | undefined;
  list(region?: string): ParameterSnapshot[];
  delete(region: string, name: string): boolean;
  clear(region?: string): void;
}

export interface SsmService extends ServiceHandler {
  parameters: SsmParameterApi;
  /** Run Command (SendCommand & co.), when `runCommand` was given. */
  runCommand?: RunCommandService;
}

export interface SsmServiceOptions {
  /** Account used in ARNs by the in-process API (the server passes its own per call). Default 123456789012. */
  accountId?: string;
  /** Serve SSM Run Command with an agent that runs commands on this machine (ssm-run-command.ts). */
  runCommand?: RunCommandOptions;
}

export function parameterArn(name: string, region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? name : `/${name}`}`;
}

/** Throws AWS's ValidationException / HierarchyLevelLimitExceededException for a bad name. */
export function validateParameterName(name: string): void {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  const segments = bare.split('/');
  if (
    !/^[a-zA-Z0-9_.\-/]+$/.test(name) ||
    /^(aws|ssm)/i.test(bare) ||
    (name.includes('/') && !name.startsWith('/')) ||
    segments.some((s) => s === '')
  ) {
    throw new AwsError('ValidationException', 400, NAME_MESSAGE);
  }
  if (segments.length > MAX_DEPTH) {
    throw new AwsError(
      'HierarchyLevelLimitExceededException',
      400,
      `A hierarchy can have a maximum of ${MAX_DEPTH} levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.`,
    );
  }
}

/** Normalized path for GetParametersByPath, or a ValidationException. */
function validatePath(path: string): string {
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (normalized === '/') return normalized;
  const segments = normalized.slice(1).split('/');
  if (
    !normalized.startsWith('/') ||
    !/^[a-zA-Z0-9_.\-/]+$/.test(normalized) ||
    segments.some((s) => s === '') ||
    (/^(aws|ssm)/i.test(normalized.slice(1)) && !normalized.startsWith('/aws/'))
  ) {
    throw new AwsError('ValidationException', 400, PATH_MESSAGE);
  }
  return normalized;
}

function fakeCiphertext(plaintext: string): string {
  // Shaped like a KMS ciphertext blob: version/header bytes, then random data growing with the plaintext.
  const header = Buffer.from([0x01, 0x02, 0x02, 0x00, 0x78]);
  return Buffer.concat([header, randomBytes(160 + Buffer.byteLength(plaintext))]).toString('base64');
}

interface Reference {
  /** As the caller wrote it. */
  given: string;
  /** Parameter name (ARN and selector removed). */
  name: string;
  /** `:5` or `:label`, when given. */
  selector: string | undefined;
  /** False when the ARN names another region or account. */
  local: boolean;
}

function parseReference(given: string, region: string, accountId: string): Reference {
  let name = given.trim();
  let local = true;
  const arn = /^arn:[^:]+:ssm:([^:]*):([^:]*):parameter\/(.*)$/.exec(name);
  if (arn) {
    local = arn[1] === region && arn[2] === accountId;
    name = arn[3]!;
    if (name.includes('/')) name = `/${name}`;
  }
  let selector: string | undefined;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    selector = name.slice(colon);
    name = name.slice(0, colon);
  }
  return { given, name, selector, local };
}

export function createSsmService(opts: SsmServiceOptions = {}): SsmService {
  const regions = new Map<string, Map<string, StoredParameter>>();
  const store = (region: string): Map<string, StoredParameter> => {
    let map = regions.get(region);
    if (map === undefined) {
      map = new Map();
      regions.set(region, map);
    }
    return map;
  };

  /** Look a reference up; ARN names without a slash may mean `foo` or `/foo`. */
  function lookup(region: string, ref: Reference): StoredParameter | undefined {
    if (!ref.local) return undefined;
    const map = regions.get(region);
    if (map === undefined) return undefined;
    return map.get(ref.name) ?? (ref.given.startsWith('arn:') ? map.get(`/${ref.name}`) : undefined);
  }

  /** The version a selector picks, or a ParameterVersionNotFound error. */
  function pick(param: StoredParameter, ref: Reference): StoredVersion | AwsError {
    if (ref.selector === undefined) return param.versions[param.versions.length - 1]!;
    const label = ref.selector.slice(1);
    if (/^\d+$/.test(label)) {
      const version = param.versions.find((v) => v.version === Number(label));
      if (version) return version;
      return new AwsError(
        'ParameterVersionNotFound',
        400,
        `Systems Manager could not find version ${label} of ${param.name}. Verify the version and try again.`,
      );
    }
    return new AwsError(
      'ParameterVersionNotFound',
      400,
      `Systems Manager could not find label ${label} of ${param.name}. (The AWS emulator does not support parameter labels.)`,
    );
  }

  function render(
    param: StoredParameter,
    version: StoredVersion,
    region: string,
    accountId: string,
    decrypt: boolean,
    selector?: string,
  ): JsonObject {
    return {
      Name: param.name,
      Type: version.type,
      Value: version.type === 'SecureString' && !decrypt ? version.ciphertext : version.value,
      Version: version.version,
      ...(selector !== undefined ? { Selector: selector } : {}),
      LastModifiedDate: version.lastModifiedDate,
      ARN: parameterArn(param.name, region, accountId),
      DataType: version.dataType,
    };
  }

  function put(
    region: string,
    input: JsonObject,
    user: string,
  ): { Version: number; Tier: 'Standard' | 'Advanced' } {
    const r = new InputReader(input);
    const rawName = r.string('Name', { required: true, min: 1, max: 2048 });
    const value = r.string('Value', { required: true, min: 1, secret: true });
    const type = r.string('Type', { enum: TYPES }) as ParameterType | undefined;
    const overwrite = r.boolean('Overwrite') ?? false;
    const description = r.string('Description', { max: 1024 });
    const keyId = r.string('KeyId', { min: 1, max: 256 });
    const allowedPattern = r.string('AllowedPattern', { max: 1024 });
    const tierIn = r.string('Tier', { enum: TIERS }) as ParameterTier | undefined;
    const dataType = r.string('DataType', { max: 128 });
    const tags = r.objectList('Tags', { max: 1000 });
    r.done();
    const name = rawName!.trim();
    validateParameterName(name);
    if (tags !== undefined && tags.length > 0 && overwrite) {
      throw new AwsError(
        'ValidationException',
        400,
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    const map = store(region);
    const existing = map.get(name);
    if (existing !== undefined && !overwrite)
      throw new AwsError('ParameterAlreadyExists', 400, ALREADY_EXISTS_MESSAGE);
    const current = existing?.versions[existing.versions.length - 1];
    const finalType = type ?? current?.type;
    if (finalType === undefined) {
      throw new AwsError(
        'ValidationException',
        400,
        'A parameter type is required when you create a parameter.',
      );
    }
    if (keyId !== undefined && finalType !== 'SecureString') {
      throw new AwsError(
        'ValidationException',
        400,
        'KeyId is required for SecureString type parameter only.',
      );
    }
    if (dataType !== undefined && !DATA_TYPES.includes(dataType)) {
      throw new AwsError(
        'ValidationException',
        400,
        `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`,
      );
    }
    const pattern = allowedPattern ?? current?.allowedPattern;
    if (pattern !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch {
        throw new AwsError(
          'InvalidAllowedPatternException',
          400,
          `The allowed pattern ${pattern} is not valid.`,
        );
      }
      if (!re.test(value!)) {
        throw new AwsError(
          'ParameterPatternMismatchException',
          400,
          `Parameter value, cannot be validated against allowedPattern: ${pattern}`,
        );
      }
    }
    const bytes = Buffer.byteLength(value!);
    let tier: 'Standard' | 'Advanced' =
      tierIn === 'Advanced' || current?.tier === 'Advanced' ? 'Advanced' : 'Standard';
    if (tierIn === 'Intelligent-Tiering' && bytes > STANDARD_MAX_BYTES) tier = 'Advanced';
    if (tierIn === 'Standard' && current?.tier === 'Advanced') {
      throw new AwsError(
        'ValidationException',
        400,
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
      );
    }
    const limit = tier === 'Advanced' ? ADVANCED_MAX_BYTES : STANDARD_MAX_BYTES;
    if (bytes > limit) {
      throw new AwsError(
        'ValidationException',
        400,
        tier === 'Standard'
          ? `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX_BYTES} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`
          : `Advanced tier parameters support a maximum parameter value of ${ADVANCED_MAX_BYTES} characters.`,
      );
    }
    const version: StoredVersion = {
      version: (current?.version ?? 0) + 1,
      type: finalType,
      value: value!,
      ciphertext: finalType === 'SecureString' ? fakeCiphertext(value!) : undefined,
      keyId: finalType === 'SecureString' ? (keyId ?? current?.keyId ?? DEFAULT_KEY_ID) : undefined,
      tier,
      dataType: dataType ?? current?.dataType ?? 'text',
      description: description ?? current?.description,
      allowedPattern: pattern,
      lastModifiedDate: new Date(),
      lastModifiedUser: user,
    };
    const param = existing ?? { name, versions: [] };
    param.versions.push(version);
    if (param.versions.length > MAX_VERSIONS) param.versions.shift();
    map.set(name, param);
    return { Version: version.version, Tier: tier };
  }

  function snapshot(region: string, param: StoredParameter, accountId: string): ParameterSnapshot {
    const v = param.versions[param.versions.length - 1]!;
    return {
      Region: region,
      Name: param.name,
      Type: v.type,
      Value: v.value,
      Version: v.version,
      LastModifiedDate: v.lastModifiedDate,
      LastModifiedUser: v.lastModifiedUser,
      ARN: parameterArn(param.name, region, accountId),
      DataType: v.dataType,
      Tier: v.tier,
      ...(v.keyId !== undefined ? { KeyId: v.keyId } : {}),
      ...(v.description !== undefined ? { Description: v.description } : {}),
    };
  }

  const defaultAccount = opts.accountId ?? '123456789012';
  const runCommand = opts.runCommand ? createRunCommand(opts.runCommand) : undefined;
  const parameters: SsmParameterApi = {
    put: (region, input) => put(region, { Overwrite: true, ...input }, `arn:aws:iam::${defaultAccount}:root`),
    get(region, name) {
      const param = regions.get(region)?.get(name);
      return param && snapshot(region, param, defaultAccount);
    },
    list(region) {
      const out: ParameterSnapshot[] = [];
      for (const [r, map] of regions) {
        if (region !== undefined && r !== region) continue;
        for (const param of map.values()) out.push(snapshot(r, param, defaultAccount));
      }
      return out.sort((a, b) => (a.Region + a.Name < b.Region + b.Name ? -1 : 1));
    },
    delete: (region, name) => regions.get(region)?.delete(name) ?? false,
    clear(region) {
      if (region === undefined) regions.clear();
      else regions.delete(region);
    },
  };

  // ------------------------------------------------------------------------------- operations
  function getParameter(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const given = r.string('Name', { required: true, min: 1, max: 2048 });
    const decrypt = r.boolean('WithDecryption') ?? false;
    r.done();
    const ref = parseReference(given!, ctx.region, ctx.accountId);
    validateParameterName(ref.name);
    const param = lookup(ctx.region, ref);
    if (param === undefined) throw new AwsError('ParameterNotFound', 400);
    const version = pick(param, ref);
    if (version instanceof AwsError) throw version;
    return { Parameter: render(param, version, ctx.region, ctx.accountId, decrypt, ref.selector) };
  }

  function getParameters(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const names = r.stringList('Names', { required: true, min: 1, max: 10, itemMin: 1, itemMax: 2048 });
    const decrypt = r.boolean('WithDecryption') ?? false;
    r.done();
    const found: JsonObject[] = [];
    const invalid: string[] = [];
    for (const given of [...new Set(names)]) {
      const ref = parseReference(given, ctx.region, ctx.accountId);
      validateParameterName(ref.name);
      const param = lookup(ctx.region, ref);
      const version = param && pick(param, ref);
      if (param === undefined || version === undefined || version instanceof AwsError) invalid.push(given);
      else found.push(render(param, version, ctx.region, ctx.accountId, decrypt, ref.selector));
    }
    return { Parameters: found, InvalidParameters: invalid };
  }

  interface PageToken {
    v: 1;
    p: string;
    r: boolean;
    a: string;
  }

  function getParametersByPath(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const rawPath = r.string('Path', { required: true, min: 1, max: 2048 });
    const recursive = r.boolean('Recursive') ?? false;
    const decrypt = r.boolean('WithDecryption') ?? false;
    const maxResults = r.integer('MaxResults', { min: 1, max: 10 }) ?? 10;
    const nextToken = r.string('NextToken', { max: 1024 });
    const filters = r.objectList('ParameterFilters');
    r.done();
    const path = validatePath(rawPath!);
    const predicates: ((v: StoredVersion) => boolean)[] = [];
    for (const filter of filters ?? []) {
      const key = filter['Key'];
      const option = filter['Option'] ?? 'Equals';
      const values = filter['Values'];
      if (key !== 'Type' && key !== 'KeyId' && key !== 'Label') {
        throw new AwsError(
          'InvalidFilterKey',
          400,
          `The following filter key is not valid: ${String(key)}. Valid filter keys include: [Type, KeyId, Label].`,
        );
      }
      if (option !== 'Equals') {
        throw new AwsError(
          'InvalidFilterOption',
          400,
          `The filter option '${JSON.stringify(option)}' is not valid for key ${key}. Valid options include: [Equals].`,
        );
      }
      if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
        throw new AwsError('InvalidFilterValue', 400, `The filter ${key} needs at least one value.`);
      }
      const wanted = values as string[];
      if (key === 'Type') predicates.push((v) => wanted.includes(v.type));
      else if (key === 'KeyId') predicates.push((v) => v.keyId !== undefined && wanted.includes(v.keyId));
      else predicates.push(() => false); // no labels in the emulator
    }

    let after = '';
    if (nextToken !== undefined) {
      let token: PageToken | undefined;
      try {
        token = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')) as PageToken;
      } catch {
        token = undefined;
      }
      if (token?.v !== 1 || token.p !== path || token.r !== recursive || typeof token.a !== 'string') {
        throw new AwsError('InvalidNextToken', 400, "The specified token isn't valid.");
      }
      after = token.a;
    }

    const prefix = path === '/' ? '/' : `${path}/`;
    const matches = [...(regions.get(ctx.region)?.values() ?? [])]
      .filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')))
      .filter((p) => predicates.every((test) => test(p.versions[p.versions.length - 1]!)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .filter((p) => p.name > after);
    const page = matches.slice(0, maxResults);
    const result: JsonObject = {
      Parameters: page.map((p) =>
        render(p, p.versions[p.versions.length - 1]!, ctx.region, ctx.accountId, decrypt),
      ),
    };
    if (matches.length > page.length) {
      const token: PageToken = { v: 1, p: path, r: recursive, a: page[page.length - 1]!.name };
      result['NextToken'] = Buffer.from(JSON.stringify(token)).toString('base64url');
    }
    return result;
  }

  function deleteParameter(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const name = r.string('Name', { required: true, min: 1, max: 2048 });
    r.done();
    if (!regions.get(ctx.region)?.delete(name!.trim())) throw new AwsError('ParameterNotFound', 400);
    return {};
  }

  function deleteParameters(input: JsonObject, ctx: CallContext): JsonObject {
    const r = new InputReader(input);
    const names = r.stringList('Names', { required: true, min: 1, max: 10, itemMin: 1, itemMax: 2048 });
    r.done();
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of [...new Set(names)]) {
      if (regions.get(ctx.region)?.delete(name.trim())) deleted.push(name);
      else invalid.push(name);
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  }

  // ------------------------------------------------------------------------------ summaries
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const strs = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const baseName = (given: string): string => parseReference(given, '', '').name;

  function summarize(operation: string, input: JsonObject): Record<string, unknown> {
    const fromRunCommand = runCommand?.summarize(operation, input);
    if (fromRunCommand !== undefined) return fromRunCommand;
    const pick = (...keys: string[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const key of keys) if (input[key] !== undefined) out[key] = input[key];
      return out;
    };
    switch (operation) {
      case 'GetParameter':
        return pick('Name', 'WithDecryption');
      case 'GetParameters':
        return pick('Names', 'WithDecryption');
      case 'GetParametersByPath':
        return {
          ...pick('Path', 'Recursive', 'WithDecryption', 'MaxResults'),
          ...(input['NextToken'] !== undefined ? { NextToken: true } : {}),
          ...(Array.isArray(input['ParameterFilters'])
            ? { ParameterFilters: input['ParameterFilters'] }
            : {}),
        };
      case 'PutParameter':
        return pick('Name', 'Type', 'Overwrite', 'Tier', 'DataType', 'KeyId');
      case 'DeleteParameter':
        return pick('Name');
      case 'DeleteParameters':
        return pick('Names');
      default:
        return { members: Object.keys(input) };
    }
  }

  function resources(operation: string, input: JsonObject): string[] {
    switch (operation) {
      case 'GetParameter':
      case 'PutParameter':
      case 'DeleteParameter': {
        const name = str(input['Name']);
        return name === undefined ? [] : [baseName(name)];
      }
      case 'GetParameters':
      case 'DeleteParameters':
        return strs(input['Names']).map(baseName);
      case 'GetParametersByPath': {
        // As IAM: only the path is authorized, not the parameters below it.
        const path = str(input['Path']);
        return path === undefined ? [] : [path.length > 1 ? path.replace(/\/+$/, '') : path];
      }
      default:
        return [];
    }
  }

  // ---------------------------------------------------------------------------- admin routes
  function admin(req: AdminRequest): AdminResult | undefined {
    if (req.path !== '/parameters') return runCommand?.admin(req);
    const region = req.query.get('region') ?? undefined;
    if (req.method === 'GET') {
      return { status: 200, body: { parameters: toWire(parameters.list(region)) } };
    }
    if (req.method === 'DELETE') {
      parameters.clear(region);
      return { status: 200, body: { ok: true } };
    }
    if (req.method === 'POST') {
      const body = req.body as { region?: unknown; parameters?: unknown } | undefined;
      const target = typeof body?.region === 'string' ? body.region : region;
      if (target === undefined || !Array.isArray(body?.parameters)) {
        return {
          status: 400,
          body: { error: 'body must be { region: string, parameters: PutParameterInput[] }' },
        };
      }
      const results: unknown[] = [];
      for (const param of body.parameters as JsonObject[]) {
        const input: JsonObject = { Type: 'String', Overwrite: true, ...param };
        try {
          results.push({ Name: input['Name'], ...put(target, input, `arn:aws:iam::${defaultAccount}:root`) });
        } catch (e) {
          if (!(e instanceof AwsError)) throw e;
          return { status: 400, body: { error: e.message, code: e.code, name: input['Name'], results } };
        }
      }
      return { status: 200, body: { results } };
    }
    return undefined;
  }

  const handler = jsonService({
    name: 'ssm',
    targetPrefix: 'AmazonSSM',
    operations: {
      GetParameter: getParameter,
      GetParameters: getParameters,
      GetParametersByPath: getParametersByPath,
      PutParameter: (input, ctx) => put(ctx.region, input, ctx.principalArn),
      DeleteParameter: deleteParameter,
      DeleteParameters: deleteParameters,
      ...runCommand?.operations,
    },
    summarize,
    resources,
    resourceArn: parameterArn,
    reset: () => {
      regions.clear();
      runCommand?.reset();
    },
    admin,
  });
  return runCommand ? { ...handler, parameters, runCommand } : { ...handler, parameters };
}
