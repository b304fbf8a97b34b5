import { escapeMarkdown, inlineCode, markdownTable } from '../lib/summary.ts';
import type { TargetResult } from './target.ts';

/** The job summary: where the target points and which parameters were read. Never a value. */
export function renderSummary(result: TargetResult, region: string): string {
  const target = markdownTable(
    ['Host', 'User', 'Host key'],
    [
      [
        inlineCode(result.host),
        inlineCode(result.user),
        result.hostKeyFingerprints.map(inlineCode).join('<br>') || 'not pinned',
      ],
    ],
  );
  const params = markdownTable(
    ['Role', 'Parameter', 'Type', 'Version'],
    result.parameters.map((p) => [
      escapeMarkdown(p.role),
      inlineCode(p.name),
      p.found ? escapeMarkdown(p.type) : 'missing (optional)',
      p.version !== undefined ? String(p.version) : '-',
    ]),
  );
  return `### Deploy target from SSM (${escapeMarkdown(region)})\n\n${target}\n${params}`;
}
