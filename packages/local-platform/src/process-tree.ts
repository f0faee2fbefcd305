// The processes of one platform, read from /proc (Linux): for the footprint harness (perf/) and the
// tests that check a stop leaves nothing behind. Other processes on the machine are never included.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Resident set size, KiB. */
  rssKiB: number;
  command: string;
}

function readProcess(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (2nd field) may hold spaces and parentheses: parse after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') return undefined; // exited, waiting for its parent to reap it
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, ppid: Number(ppid), rssKiB, command };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** Every live process of the machine (zombies excluded). */
export function liveProcesses(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((entry): entry is ProcessEntry => entry !== undefined);
}

/** The kind of each process of `entries` (see kindOf), by pid. */
export function kindsOf(entries: ProcessEntry[]): Map<number, string> {
  const byPid = new Map(liveProcesses().map((entry) => [entry.pid, entry]));
  return new Map(entries.map((entry) => [entry.pid, kindOf(entry.command, byPid.get(entry.ppid)?.command)]));
}

/** Every live process of the tree rooted at `root` (itself included), found by parent pid. */
export function processTree(root: number): ProcessEntry[] {
  const all = liveProcesses();
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of all) {
      if (!inTree.has(entry.pid) && inTree.has(entry.ppid)) {
        inTree.add(entry.pid);
        grew = true;
      }
    }
  }
  return all.filter((entry) => inTree.has(entry.pid));
}

/**
 * Every live process whose command line, working directory or environment names `marker` (a
 * platform's own data dir): also the ones that outlived their parent and now hang off init.
 */
export function processesMentioning(marker: string): ProcessEntry[] {
  return liveProcesses().filter((entry) => {
    if (entry.pid === process.pid) return false;
    if (entry.command.includes(marker)) return true;
    try {
      if (readlinkSync(`/proc/${entry.pid}/cwd`).includes(marker)) return true;
      return readFileSync(`/proc/${entry.pid}/environ`, 'utf8').includes(marker);
    } catch {
      return false; // exited meanwhile, or not ours to read
    }
  });
}

/**
 * What a process of the platform is: `esbuild` (serverless-esbuild's, bundling a service),
 * `tsx-esbuild` (tsx's, compiling the platform's own TypeScript: small), `dynamodb-local`,
 * `sls-offline:<service>`, … `parentCommand` tells the two esbuild processes apart.
 */
export function kindOf(command: string, parentCommand = ''): string {
  if (command.includes('esbuild --service')) return parentCommand.includes('osls') ? 'esbuild' : 'tsx-esbuild';
  if (command.includes('DynamoDBLocal.jar')) return 'dynamodb-local';
  if (command.includes('cognito-local')) return 'cognito-local';
  const offline = /services\/([\w-]+)\/node_modules\/osls\/bin\/serverless\.js offline/.exec(command);
  if (offline) return `sls-offline:${offline[1]}`;
  // tsx runs a script in a child node process: its own process only waits for that child.
  if (/tsx\/dist\/cli/.test(command)) return 'tsx-wrapper';
  if (command.includes('bin/start.ts') || command.includes('test-platform.ts')) return 'platform';
  if (command.includes('scripts/run.mjs')) return 'npm-start-entry';
  if (command.includes('turbo')) return 'turbo';
  return 'other';
}
