import { InputError, type InputSource, readKeyValueLines, readList, readString } from '../lib/inputs.ts';
import { USER_EXPECTED, USER_PATTERN } from '../lib/ssh.ts';

export interface ExtraParameter {
  /** The output name. */
  output: string;
  /** The SSM parameter name. */
  name: string;
  optional: boolean;
}

export interface Inputs {
  hostParameter: string;
  user: string;
  userParameter: string;
  privateKeyParameter: string;
  hostKeyParameter: string;
  extra: readonly ExtraParameter[];
  awsRegion: string;
}

/** The outputs this action always sets; extra parameters may not reuse these names. */
export const FIXED_OUTPUTS = ['host', 'user', 'key-path', 'known-hosts-path'] as const;

// SSM names: letters, digits and . - _ /, at most 2048 characters; hierarchies start with '/'.
// A trailing `:N` or `:label` version selector is allowed, as GetParameters accepts it.
const PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*(:[A-Za-z0-9_.-]+)?$/;
const PARAMETER_EXPECTED =
  'an SSM parameter name such as /myapp/prod/ssh-host (letters, digits, . - _ and /)';

function parameterName(get: InputSource, input: string, required: boolean): string {
  const value = readString(get, input, { required, pattern: PARAMETER_NAME, expected: PARAMETER_EXPECTED });
  if (value.length > 2048) throw new InputError(input, `the name is longer than 2048 characters.`);
  return value;
}

export function parseInputs(get: InputSource): Inputs {
  const hostParameter = parameterName(get, 'host-parameter', true);
  const privateKeyParameter = parameterName(get, 'private-key-parameter', true);
  const userParameter = parameterName(get, 'user-parameter', false);
  const hostKeyParameter = parameterName(get, 'host-key-parameter', false);
  const user = userParameter
    ? ''
    : readString(get, 'user', { required: true, pattern: USER_PATTERN, expected: USER_EXPECTED });

  const lines = readKeyValueLines(get, 'parameters', {
    keyPattern: /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/,
    keyExpected: 'an output name (letters, digits, _ and -, starting with a letter or _)',
    valueExpected: '/ssm/parameter/name',
  });
  for (const { key, value } of lines) {
    if ((FIXED_OUTPUTS as readonly string[]).includes(key.toLowerCase())) {
      throw new InputError(
        'parameters',
        `the name '${key}' is an output this action already sets; choose another name.`,
      );
    }
    if (!PARAMETER_NAME.test(value)) {
      throw new InputError(
        'parameters',
        `invalid parameter name '${value}' for '${key}'. Expected ${PARAMETER_EXPECTED}.`,
      );
    }
  }
  const optionalNames = readList(get, 'optional-parameters', { commas: true });
  for (const name of optionalNames) {
    if (!lines.some((l) => l.key.toLowerCase() === name.toLowerCase() || l.value === name)) {
      throw new InputError(
        'optional-parameters',
        `'${name}' is not one of the names in 'parameters'. Expected output names or parameter names listed there.`,
      );
    }
  }
  const extra = lines.map(({ key, value }) => ({
    output: key,
    name: value,
    optional: optionalNames.some((n) => n.toLowerCase() === key.toLowerCase() || n === value),
  }));

  return Object.freeze({
    hostParameter,
    user,
    userParameter,
    privateKeyParameter,
    hostKeyParameter,
    extra: Object.freeze(extra),
    awsRegion: get('aws-region').trim(),
  });
}
