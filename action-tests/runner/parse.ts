// Reading workflow and action files with GitHub's own parser (@actions/workflow-parser).
//
// parseWorkflowFile/parseActionFile do exactly what the library's parseWorkflow/parseAction do
// (YamlObjectReader -> readTemplate against the workflow/action schema), with one difference: the
// YAML reader is wrapped so that multi-line string scalars carry no `source`. The library's template
// reader builds expressions of multi-line scalars from the raw YAML source (made for editor
// positions), so `run: |` blocks containing `${{ }}` would otherwise keep the YAML indentation, and
// folded (`>`) or quoted multi-line scalars would not be folded/unescaped. Without `source` it uses
// the scalar's real value, as GitHub's runner does.
import { convertWorkflowTemplate, isMapping, isSequence, isString } from '@actions/workflow-parser';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import { convertActionTemplate, getActionSchema, ACTION_ROOT } from '@actions/workflow-parser/actions/index';
import type { ActionTemplate } from '@actions/workflow-parser/actions/index';
import type { ObjectReader } from '@actions/workflow-parser/templates/object-reader';
import {
  TemplateContext,
  TemplateValidationErrors,
} from '@actions/workflow-parser/templates/template-context';
import { readTemplate } from '@actions/workflow-parser/templates/template-reader';
import type { TemplateSchema } from '@actions/workflow-parser/templates/schema/template-schema';
import { StringToken } from '@actions/workflow-parser/templates/tokens/index';
import type {
  LiteralToken,
  MappingToken,
  SequenceToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';
import { NoOperationTraceWriter } from '@actions/workflow-parser/templates/trace-writer';
import { WORKFLOW_ROOT } from '@actions/workflow-parser/workflows/workflow-constants';
import { getWorkflowSchema } from '@actions/workflow-parser/workflows/workflow-schema';
import { YamlObjectReader } from '@actions/workflow-parser/workflows/yaml-object-reader';

/** A problem the local runner cannot or will not handle (unsupported syntax, invalid file, ...). */
export class RunnerError extends Error {
  override name = 'RunnerError';
}

class ExactScalarReader implements ObjectReader {
  readonly inner: YamlObjectReader;
  constructor(inner: YamlObjectReader) {
    this.inner = inner;
  }
  allowLiteral(): LiteralToken | undefined {
    const token = this.inner.allowLiteral();
    if (token && isString(token) && token.source !== undefined && token.range) {
      if (token.range.start.line !== token.range.end.line) {
        return new StringToken(
          token.file,
          token.range,
          token.value,
          undefined,
          undefined,
          token.blockScalarHeader,
        );
      }
    }
    return token;
  }
  allowSequenceStart(): SequenceToken | undefined {
    return this.inner.allowSequenceStart();
  }
  allowSequenceEnd(): boolean {
    return this.inner.allowSequenceEnd();
  }
  allowMappingStart(): MappingToken | undefined {
    return this.inner.allowMappingStart();
  }
  allowMappingEnd(): boolean {
    return this.inner.allowMappingEnd();
  }
  validateStart(): void {
    this.inner.validateStart();
  }
  validateEnd(): void {
    this.inner.validateEnd();
  }
}

function readFile(
  name: string,
  content: string,
  schema: TemplateSchema,
  root: string,
): { context: TemplateContext; value: TemplateToken | undefined } {
  const context = new TemplateContext(new TemplateValidationErrors(), schema, new NoOperationTraceWriter());
  const fileId = context.getFileId(name);
  const reader = new YamlObjectReader(fileId, content);
  if (reader.errors.length > 0) {
    for (const err of reader.errors) context.error(fileId, err.message, err.range);
    return { context, value: undefined };
  }
  return { context, value: readTemplate(context, root, new ExactScalarReader(reader), fileId) };
}

function errorList(context: TemplateContext): string {
  return context.errors
    .getErrors()
    .map((e) => `  ${e.message}`)
    .join('\n');
}

export interface ParsedWorkflow {
  /** Display name of the file (relative path), used in messages. */
  fileName: string;
  template: WorkflowTemplate;
  /** The workflow's root mapping token (for keys the converted template leaves out). */
  root: MappingToken;
}

export async function parseWorkflowFile(fileName: string, content: string): Promise<ParsedWorkflow> {
  const { context, value } = readFile(fileName, content, getWorkflowSchema(), WORKFLOW_ROOT);
  if (context.errors.count > 0 || !value) {
    throw new RunnerError(`Invalid workflow file ${fileName}:\n${errorList(context)}`);
  }
  const template = await convertWorkflowTemplate(context, value);
  if (context.errors.count > 0 || template.errors?.length) {
    throw new RunnerError(`Invalid workflow file ${fileName}:\n${errorList(context)}`);
  }
  if (!isMapping(value))
    throw new RunnerError(`Invalid workflow file ${fileName}: the root is not a mapping`);
  return { fileName, template, root: value };
}

export function parseActionFile(
  fileName: string,
  content: string,
): { action: ActionTemplate; root: MappingToken } {
  const { context, value } = readFile(fileName, content, getActionSchema(), ACTION_ROOT);
  if (context.errors.count > 0 || !value) {
    throw new RunnerError(`Invalid action file ${fileName}:\n${errorList(context)}`);
  }
  const action = convertActionTemplate(context, value);
  if (context.errors.count > 0) {
    throw new RunnerError(`Invalid action file ${fileName}:\n${errorList(context)}`);
  }
  if (!isMapping(value)) throw new RunnerError(`Invalid action file ${fileName}: the root is not a mapping`);
  return { action, root: value };
}

/** The value of `key` in a mapping token (keys compared as GitHub does: exactly). */
export function mappingGet(map: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!map || !isMapping(map)) return undefined;
  for (const pair of map) {
    if (isString(pair.key) && pair.key.value === key) return pair.value;
  }
  return undefined;
}

export function mappingKeys(map: TemplateToken | undefined): string[] {
  if (!map || !isMapping(map)) return [];
  const keys: string[] = [];
  for (const pair of map) if (isString(pair.key)) keys.push(pair.key.value);
  return keys;
}

export function sequenceItems(seq: TemplateToken | undefined): TemplateToken[] {
  if (!seq || !isSequence(seq)) return [];
  return [...seq];
}

/** "file (Line: 3, Col: 5)" for messages about a token, as GitHub writes them. */
export function tokenLocation(fileName: string, token: TemplateToken | undefined): string {
  if (token?.range) return `${fileName} (Line: ${token.range.start.line}, Col: ${token.range.start.column})`;
  return fileName;
}
