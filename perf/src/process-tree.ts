// The resident memory of one platform's process tree: the process the harness started and every
// descendant (found by parent pid), so other platforms on the machine never count.
import { kindsOf, processTree } from '@tenantry/local-platform';

export interface ProcessSample {
  pid: number;
  ppid: number;
  /** Resident set size in MiB. */
  rssMiB: number;
  /** What it is: `esbuild`, `dynamodb-local`, `cognito-local`, `sls-offline:<service>`, `platform`, … */
  kind: string;
  command: string;
}

export interface TreeSample {
  at: string;
  totalMiB: number;
  byKind: Record<string, number>;
  processes: ProcessSample[];
}

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

export function sampleTree(root: number): TreeSample {
  const entries = processTree(root);
  const kinds = kindsOf(entries);
  const kindOf = (pid: number) => kinds.get(pid) ?? 'other';
  const byKindKiB: Record<string, number> = {};
  for (const entry of entries) {
    const kind = kindOf(entry.pid);
    byKindKiB[kind] = (byKindKiB[kind] ?? 0) + entry.rssKiB;
  }
  const processes = entries
    .map(
      (entry): ProcessSample => ({
        pid: entry.pid,
        ppid: entry.ppid,
        rssMiB: mib(entry.rssKiB),
        kind: kindOf(entry.pid),
        command: entry.command.slice(0, 200),
      }),
    )
    .sort((a, b) => b.rssMiB - a.rssMiB);
  return {
    at: new Date().toISOString(),
    totalMiB: mib(entries.reduce((sum, entry) => sum + entry.rssKiB, 0)),
    byKind: Object.fromEntries(Object.entries(byKindKiB).map(([kind, kib]) => [kind, mib(kib)])),
    processes,
  };
}
