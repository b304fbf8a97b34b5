// AWS JSON 1.0 / 1.1 protocol (SSM, ECR, ...): POST / with `X-Amz-Target: <Prefix>.<Operation>`, JSON
// bodies, timestamps as epoch seconds, errors as `{"__type": CODE, "message": ...}` plus
// `x-amzn-ErrorType`. `jsonService()` turns a table of operations into a `ServiceHandler`.
import {
  AwsError,
  type AdminRequest,
  type AdminResult,
  type CallContext,
  type DecodedCall,
  type HttpResult,
  type RawRequest,
  type ServiceHandler,
} from './types.ts';

export type JsonObject = Record<string, unknown>;
export type JsonOperation = (input: JsonObject, ctx: CallContext) => unknown;

export interface JsonServiceDefinition {
  /** SigV4 signing name, e.g. `ssm`. */
  name: string;
  /** `X-Amz-Target` prefix, e.g. `AmazonSSM`. */
  targetPrefix: string;
  jsonVersion?: '1.0' | '1.1';
  operations: Record<string, JsonOperation>;
  /** Secret-free input summary for the call log; default: the input's member names. */
  summarize?(operation: string, input: JsonObject): Record<string, unknown>;
  /** Resource names for deny rules; default none. */
  resources?(operation: string, input: JsonObject): string[];
  resourceArn(name: string, region: string, accountId: string): string;
  reset(): void;
  admin?(req: AdminRequest): Promise<AdminResult | undefined> | AdminResult | undefined;
}

/** JSON value for the wire: Dates become epoch seconds (with milliseconds), as AWS JSON does. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = toWire(member);
    }
    return out;
  }
  return value;
}

export function jsonService(def: JsonServiceDefinition): ServiceHandler {
  const contentType = `application/x-amz-json-${def.jsonVersion ?? '1.1'}`;
  const prefix = `${def.targetPrefix}.`;
  const asObject = (input: unknown): JsonObject => (input ?? {}) as JsonObject;
  return {
    name: def.name,
    doubleEncodePath: true,
    claims: (req) => (req.headers['x-amz-target'] ?? '').startsWith(prefix),
    decode(req: RawRequest): DecodedCall {
      const target = req.headers['x-amz-target'] ?? '';
      if (req.method !== 'POST' || !target.startsWith(prefix)) {
        throw new AwsError(
          'UnknownOperationException',
          400,
          req.method !== 'POST'
            ? `Only POST is supported by the ${def.targetPrefix} JSON protocol.`
            : `X-Amz-Target '${target}' does not name a ${def.targetPrefix} operation.`,
        );
      }
      const operation = target.slice(prefix.length);
      const text = req.body.toString('utf8');
      if (text.trim() === '') return { operation, input: {} };
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch {
        throw new AwsError('SerializationException', 400, 'The request body is not valid JSON.');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new AwsError('SerializationException', 400, 'The request body must be a JSON object.');
      }
      return { operation, input };
    },
    async invoke(call: DecodedCall, ctx: CallContext): Promise<HttpResult> {
      const handler = Object.hasOwn(def.operations, call.operation)
        ? def.operations[call.operation]
        : undefined;
      if (handler === undefined) {
        throw new AwsError(
          'UnknownOperationException',
          400,
          `Operation ${def.targetPrefix}.${call.operation} is not implemented by the AWS emulator.`,
        );
      }
      const output = await handler(asObject(call.input), ctx);
      return {
        status: 200,
        headers: { 'content-type': contentType },
        body: JSON.stringify(toWire(output ?? {})),
      };
    },
    renderError(err: AwsError): HttpResult {
      const body: JsonObject = { __type: err.code };
      if (err.awsMessage !== undefined) body['message'] = err.awsMessage;
      Object.assign(body, toWire(err.fields));
      return {
        status: err.status,
        headers: { 'content-type': contentType, 'x-amzn-errortype': err.code },
        body: JSON.stringify(body),
      };
    },
    summarize: (call) =>
      def.summarize?.(call.operation, asObject(call.input)) ?? { members: Object.keys(asObject(call.input)) },
    resources: (call) => def.resources?.(call.operation, asObject(call.input)) ?? [],
    resourceArn: (name, region, accountId) => def.resourceArn(name, region, accountId),
    reset: () => def.reset(),
    ...(def.admin !== undefined ? { admin: (req: AdminRequest) => def.admin!(req) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Input validation with AWS's wording:
//   1 validation error detected: Value '[a, b]' at 'names' failed to satisfy constraint: Member must ...
// A member of the wrong JSON type is a SerializationException, as with AWS.

function memberLabel(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  if (Array.isArray(value)) return `'[${value.map(text).join(', ')}]'`;
  return `'${text(value)}'`;
}

export function validationException(messages: string[]): AwsError {
  const n = messages.length;
  return new AwsError(
    'ValidationException',
    400,
    `${n} validation error${n === 1 ? '' : 's'} detected: ${messages.join('; ')}`,
  );
}

interface LengthRule {
  required?: boolean;
  min?: number;
  max?: number;
}

/** Reads members of a JSON input, collecting constraint violations; call `done()` to throw them. */
export class InputReader {
  readonly input: JsonObject;
  readonly errors: string[] = [];

  constructor(input: JsonObject) {
    this.input = input;
  }

  private violation(member: string, value: unknown, constraint: string): void {
    this.errors.push(
      `Value ${show(value)} at '${memberLabel(member)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  private typeError(member: string, expected: string): never {
    throw new AwsError('SerializationException', 400, `Member '${member}' must be ${expected}.`);
  }

  private present(member: string, required: boolean | undefined): unknown {
    const value = this.input[member];
    if ((value === undefined || value === null) && required) {
      this.violation(member, null, 'Member must not be null');
    }
    return value ?? undefined;
  }

  private lengths(member: string, value: unknown, length: number, rule: LengthRule, shown = value): void {
    if (rule.min !== undefined && length < rule.min) {
      this.violation(member, shown, `Member must have length greater than or equal to ${rule.min}`);
    } else if (rule.max !== undefined && length > rule.max) {
      this.violation(member, shown, `Member must have length less than or equal to ${rule.max}`);
    }
  }

  /** `secret`: never echo the value in a message. */
  string(
    member: string,
    rule: LengthRule & { enum?: readonly string[]; secret?: boolean } = {},
  ): string | undefined {
    const value = this.present(member, rule.required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.typeError(member, 'a string');
    const shown = rule.secret ? '***' : value;
    this.lengths(member, value, value.length, rule, shown);
    if (rule.enum && !rule.enum.includes(value)) {
      this.violation(member, shown, `Member must satisfy enum value set: [${rule.enum.join(', ')}]`);
    }
    return value;
  }

  boolean(member: string): boolean | undefined {
    const value = this.present(member, false);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.typeError(member, 'a boolean');
    return value;
  }

  integer(member: string, rule: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.present(member, rule.required);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) this.typeError(member, 'an integer');
    if (rule.min !== undefined && value < rule.min) {
      this.violation(member, value, `Member must have value greater than or equal to ${rule.min}`);
    } else if (rule.max !== undefined && value > rule.max) {
      this.violation(member, value, `Member must have value less than or equal to ${rule.max}`);
    }
    return value;
  }

  stringList(
    member: string,
    rule: LengthRule & { itemMin?: number; itemMax?: number } = {},
  ): string[] | undefined {
    const value = this.present(member, rule.required);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.typeError(member, 'a list of strings');
    const list: string[] = value.map((item) =>
      typeof item === 'string' ? item : this.typeError(member, 'a list of strings'),
    );
    this.lengths(member, list, list.length, rule);
    if (rule.itemMin !== undefined || rule.itemMax !== undefined) {
      const bad = list.some(
        (item) =>
          (rule.itemMin !== undefined && item.length < rule.itemMin) ||
          (rule.itemMax !== undefined && item.length > rule.itemMax),
      );
      if (bad) {
        const bounds = [
          rule.itemMin !== undefined
            ? `Member must have length greater than or equal to ${rule.itemMin}`
            : undefined,
          rule.itemMax !== undefined
            ? `Member must have length less than or equal to ${rule.itemMax}`
            : undefined,
        ].filter((b) => b !== undefined);
        this.violation(member, list, `Member must satisfy constraint: [${bounds.join(', ')}]`);
      }
    }
    return list;
  }

  objectList(member: string, rule: LengthRule = {}): JsonObject[] | undefined {
    const value = this.present(member, rule.required);
    if (value === undefined) return undefined;
    if (
      !Array.isArray(value) ||
      value.some((item) => item === null || typeof item !== 'object' || Array.isArray(item))
    ) {
      this.typeError(member, 'a list of structures');
    }
    const list = value as JsonObject[];
    this.lengths(member, `[${list.length} items]`, list.length, rule);
    return list;
  }

  /** Throw the collected violations as one ValidationException. */
  done(): void {
    if (this.errors.length > 0) throw validationException(this.errors);
  }
}
