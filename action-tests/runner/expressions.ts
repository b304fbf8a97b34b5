// Evaluating `${{ }}` with GitHub's own expression engine (@actions/expressions) over template tokens
// produced by @actions/workflow-parser.
import { createHash } from 'node:crypto';
import { globSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { TokenType } from '@actions/expressions/lexer';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { RunnerError, tokenLocation } from './parse.ts';

export type JobStatus = 'success' | 'failure' | 'cancelled';

export interface ExpressionScope {
  /** Named contexts (github, env, steps, ...) as plain JSON-like values. */
  contexts: Record<string, unknown>;
  /** The job status seen by success()/failure()/cancelled(). */
  jobStatus: () => JobStatus;
  /** Base folder of hashFiles() (GITHUB_WORKSPACE). */
  workspace?: string;
  /** Workflow or action file, for error messages. */
  fileName: string;
}

/** Thrown when an expression cannot be evaluated; the step (or job) fails with this message. */
export class ExpressionFailure extends Error {
  override name = 'ExpressionFailure';
}

const NUMBER_INFO = (name: string, minArgs: number, maxArgs: number) => ({ name, minArgs, maxArgs });
const EXTENSION_FUNCTIONS = [
  NUMBER_INFO('success', 0, 0),
  NUMBER_INFO('failure', 0, 0),
  NUMBER_INFO('always', 0, 0),
  NUMBER_INFO('cancelled', 0, 0),
  NUMBER_INFO('hashFiles', 1, 255),
];

function toData(value: unknown): data.ExpressionData {
  if (value === undefined) return new data.Null();
  return JSON.parse(JSON.stringify(value), data.reviver) as data.ExpressionData;
}

/** Converts a result of the expression engine to a plain JSON-like value. */
export function toPlain(value: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(value, data.replacer)) as unknown;
}

function functionsFor(scope: ExpressionScope): Map<string, FunctionDefinition> {
  const fns = new Map<string, FunctionDefinition>();
  const status = (s: JobStatus) => () => new data.BooleanData(scope.jobStatus() === s);
  fns.set('success', { ...NUMBER_INFO('success', 0, 0), call: status('success') });
  fns.set('failure', { ...NUMBER_INFO('failure', 0, 0), call: status('failure') });
  fns.set('cancelled', { ...NUMBER_INFO('cancelled', 0, 0), call: status('cancelled') });
  fns.set('always', { ...NUMBER_INFO('always', 0, 0), call: () => new data.BooleanData(true) });
  fns.set('hashfiles', {
    ...NUMBER_INFO('hashFiles', 1, 255),
    call: (...args: data.ExpressionData[]) =>
      new data.StringData(
        hashFiles(
          scope.workspace,
          args.map((a) => a.coerceString()),
        ),
      ),
  });
  return fns;
}

/** hashFiles() as the runner implements it: SHA-256 over the SHA-256 of each matched file, sorted. */
export function hashFiles(workspace: string | undefined, patterns: string[]): string {
  if (!workspace) throw new ExpressionFailure('hashFiles() is only available in steps');
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = new Set(
    globSync(
      patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
      { cwd: workspace },
    ),
  );
  const files = [...new Set(globSync(include, { cwd: workspace }))]
    .filter((f) => !exclude.has(f))
    .map((f) => path.join(workspace, f))
    .filter((f) => statSync(f).isFile())
    .sort();
  if (files.length === 0) return '';
  const total = createHash('sha256');
  for (const f of files) total.update(createHash('sha256').update(readFileSync(f)).digest());
  return total.digest('hex');
}

/** Evaluates one expression (without `${{ }}`). */
export function evaluateExpression(expression: string, scope: ExpressionScope): data.ExpressionData {
  const dict = new data.Dictionary();
  for (const [name, value] of Object.entries(scope.contexts)) dict.add(name, toData(value));
  let ast;
  try {
    const { tokens } = new Lexer(expression).lex();
    // @actions/expressions 0.3.x unescapes only the first `''` of a string literal
    // (`value.replace("''", "'")`); take the value from the lexeme instead.
    for (const t of tokens) {
      if (t.type === TokenType.STRING && t.lexeme.length >= 2)
        t.value = t.lexeme.slice(1, -1).replaceAll("''", "'");
    }
    ast = new Parser(tokens, Object.keys(scope.contexts), EXTENSION_FUNCTIONS).parse();
  } catch (err) {
    throw new ExpressionFailure(`${(err as Error).message} in expression: ${expression}`);
  }
  try {
    return new Evaluator(ast, dict, functionsFor(scope)).evaluate();
  } catch (err) {
    throw new ExpressionFailure(`${(err as Error).message} in expression: ${expression}`);
  }
}

/** Evaluates a template token (literal, expression, mapping, sequence) to expression data. */
export function evaluateTokenData(token: TemplateToken, scope: ExpressionScope): data.ExpressionData {
  try {
    if (isString(token)) return new data.StringData(token.value);
    if (isNumber(token)) return new data.NumberData(token.value);
    if (isBoolean(token)) return new data.BooleanData(token.value);
    if (isBasicExpression(token)) return evaluateExpression(token.expression, scope);
    if (isMapping(token)) {
      const dict = new data.Dictionary();
      for (const pair of token) {
        dict.add(evaluateString(pair.key, scope), evaluateTokenData(pair.value, scope));
      }
      return dict;
    }
    if (isSequence(token)) {
      const arr = new data.Array();
      for (const item of token) arr.add(evaluateTokenData(item, scope));
      return arr;
    }
    if (token.templateTokenType === 4 /* InsertExpression */) {
      throw new RunnerError(
        `${tokenLocation(scope.fileName, token)}: the \${{ insert }} directive is not supported by the local runner`,
      );
    }
    return new data.Null();
  } catch (err) {
    if (err instanceof ExpressionFailure && !err.message.startsWith('The template is not valid.')) {
      throw new ExpressionFailure(
        `The template is not valid. ${tokenLocation(scope.fileName, token)}: ${err.message}`,
      );
    }
    throw err;
  }
}

/** The string value of expression data, as the runner converts a template value to a string. */
export function dataToString(value: data.ExpressionData, what: string): string {
  switch (value.kind) {
    case data.Kind.Null:
      return '';
    case data.Kind.String:
    case data.Kind.Number:
    case data.Kind.Boolean:
      return value.coerceString();
    default:
      throw new ExpressionFailure(
        `Unexpected value of type '${value.kind === data.Kind.Array ? 'Array' : 'Object'}' for ${what}: a string was expected`,
      );
  }
}

export function evaluateString(token: TemplateToken, scope: ExpressionScope, what = 'a value'): string {
  return dataToString(evaluateTokenData(token, scope), what);
}

export function evaluateBoolean(token: TemplateToken, scope: ExpressionScope): boolean {
  const v = evaluateTokenData(token, scope);
  switch (v.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return v.value;
    case data.Kind.Number:
      return v.number() !== 0 && !Number.isNaN(v.number());
    case data.Kind.String:
      return v.value.length > 0;
    default:
      return true;
  }
}

/** Evaluates a mapping token of strings (env:, with:, outputs:). */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  scope: ExpressionScope,
  what: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (!token) return result;
  const value = evaluateTokenData(token, scope);
  if (value.kind === data.Kind.Null) return result;
  if (value.kind !== data.Kind.Dictionary) throw new ExpressionFailure(`${what} must be a mapping`);
  for (const pair of value.pairs()) {
    result[pair.key] = dataToString(pair.value, `${what}.${pair.key}`);
  }
  return result;
}
