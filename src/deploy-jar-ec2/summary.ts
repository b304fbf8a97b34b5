import { escapeMarkdown, inlineCode, markdownTable } from '../lib/summary.ts';
import type { DeployOutcome } from './deploy.ts';

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The job summary: one row per host (or instance), with the time of each phase. */
export function renderSummary(outcome: DeployOutcome, jarPath: string, transport: string): string {
  const rows = outcome.results.map((r) => [
    inlineCode(r.target),
    `**${escapeMarkdown(r.status)}**`,
    r.releaseId ? inlineCode(r.releaseId) : '-',
    r.previousReleaseId ? inlineCode(r.previousReleaseId) : '-',
    inlineCode(outcome.sha256.slice(0, 12)),
    escapeMarkdown(r.health ?? '-'),
    r.phases.map((p) => `${escapeMarkdown(p.name)} ${formatMs(p.ms)}`).join('<br>') || '-',
    formatMs(r.durationMs),
  ]);
  for (const s of outcome.skipped)
    rows.push([inlineCode(s), 'not tried (an earlier host failed)', '-', '-', '-', '-', '-', '-']);
  const table = markdownTable(
    ['Host', 'Status', 'Release', 'Previous', 'SHA-256', 'Health', 'Time per phase', 'Total'],
    rows,
  );
  const failures = outcome.results
    .filter((r) => r.error)
    .map(
      (r) =>
        `\n<details><summary>${escapeMarkdown(r.target)}: why it failed</summary>\n\n\`\`\`text\n${r.error!.replace(/```/g, "'''")}\n\`\`\`\n</details>\n`,
    )
    .join('');
  const warnings = (outcome.warnings ?? []).map((w) => `\n> [!WARNING]\n> ${escapeMarkdown(w)}\n`).join('');
  const unchanged = outcome.results.length > 0 && outcome.results.every((r) => r.status === 'unchanged');
  const release = unchanged
    ? 'unchanged: already the current release, nothing uploaded or restarted'
    : `release ${inlineCode(outcome.releaseId)}`;
  return `### deploy-jar-ec2 (${escapeMarkdown(transport)})\n\nJar ${inlineCode(jarPath)}, sha256 ${inlineCode(outcome.sha256)}, ${release}\n\n${table}${failures}${warnings}`;
}
