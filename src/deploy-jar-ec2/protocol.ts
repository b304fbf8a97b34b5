/**
 * What the release script reports: `::deploy:: <key> <value>` lines. `ReportReader` folds them
 * into a `HostReport`; any other line is human output, passed on to the log.
 */
export type Status = 'deployed' | 'unchanged' | 'rolled-back' | 'failed';

export interface HostReport {
  status?: Status;
  releaseId?: string;
  previousReleaseId?: string;
  /** The release current.jar was switched to (set once the switch has happened). */
  switched?: string;
  /** The release that was current before this deploy. */
  before?: string;
  health?: string;
  rollbackHealth?: string;
  cause?: string;
  error?: string;
  /** Milliseconds per phase, in the order they ran. */
  phases: Array<{ name: string; ms: number }>;
  pruned: string[];
  /** The last lines of the service's log (when the release failed) and where they came from. */
  logTail?: { source: string; lines: string[] };
  waitedForLock: boolean;
  /** Bytes the host asked for (SSH: after `send`). */
  sendSize?: number;
  /** A check-only run found that the jar differs from the current release. */
  changed?: boolean;
}

const MARK = '::deploy:: ';
const PHASES: Record<string, string> = {
  lock: 'took the deploy lock',
  inspect: 'read the current release',
  upload: 'uploaded to releases/<id>.jar.part',
  download: 'downloaded from the artifact bucket to releases/<id>.jar.part',
  verify: 'verified sha256 on the host and renamed',
  switch: 'switched current.jar atomically',
  restart: 'restarted the service',
  health: 'waited for active + healthy',
  rollback: 'rolled back and checked health',
  prune: 'pruned old releases',
};
const dash = (v: string) => (v === '-' || v === '' ? undefined : v);

export class ReportReader {
  readonly report: HostReport = { phases: [], pruned: [], waitedForLock: false };
  private inLog = false;

  /** Reads one line; returns what to show the user (undefined: nothing). */
  line(raw: string): { show?: string; event?: 'send' | 'waiting' } {
    const r = this.report;
    if (!raw.startsWith(MARK)) {
      if (this.inLog && r.logTail) r.logTail.lines.push(raw.replace(/^ {2}\| ?/, ''));
      return { show: raw };
    }
    const body = raw.slice(MARK.length);
    const space = body.indexOf(' ');
    const key = space < 0 ? body : body.slice(0, space);
    const value = space < 0 ? '' : body.slice(space + 1).trim();
    switch (key) {
      case 'release':
        r.releaseId = dash(value);
        break;
      case 'current-previous':
        return { show: `Previous release on the host: ${value}` };
      case 'switched':
        r.switched = dash(value);
        break;
      case 'previous':
        r.previousReleaseId = dash(value);
        break;
      case 'current':
        r.before = dash(value);
        return { show: `Current release on the host: ${value}` };
      case 'health':
        r.health = value;
        return { show: `Health: ${value}` };
      case 'rollback-health':
        r.rollbackHealth = value;
        return { show: `Health after the rollback: ${value}` };
      case 'cause':
        r.cause = value;
        break;
      case 'error':
        r.error = value;
        break;
      case 'time': {
        const [name, ms] = value.split(' ');
        if (name && ms && /^\d+$/.test(ms)) {
          r.phases.push({ name, ms: Number(ms) });
          return { show: `  ${PHASES[name] ?? name}: ${ms} ms` };
        }
        break;
      }
      case 'pruned':
        r.pruned = value === '-' ? [] : value.split(' ').filter(Boolean);
        return { show: `Pruned releases: ${r.pruned.length ? r.pruned.join(', ') : 'none'}` };
      case 'status':
        r.status = value as Status;
        return { show: `Status: ${value}` };
      case 'log-begin':
        this.inLog = true;
        r.logTail = { source: value, lines: [] };
        break;
      case 'log-end':
        this.inLog = false;
        break;
      case 'waiting-for-lock':
        r.waitedForLock = true;
        return { show: `Another deploy holds ${value}; waiting for it to finish.`, event: 'waiting' };
      case 'send':
        r.sendSize = Number(value);
        return { event: 'send' };
      case 'check':
        r.changed = value === 'changed';
        break;
      default:
        break;
    }
    return {};
  }
}

/** Splits a stream of chunks into lines (the last partial line is kept until more arrives). */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}
