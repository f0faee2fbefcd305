import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createConnection } from 'node:net';

/** Where a child's output goes: the terminal, prefixed with its name, or a log file. */
export type LogSink = { kind: 'terminal' } | { kind: 'file'; path: (name: string) => string };

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logs: LogSink },
): ManagedProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const file: WriteStream | undefined =
    options.logs.kind === 'file' ? createWriteStream(options.logs.path(name), { flags: 'a' }) : undefined;
  const forward = (chunk: Buffer) => {
    // Output can still arrive after 'exit' (and after stop() ended the file): drop it, never crash.
    if (file) {
      if (!file.writableEnded) file.write(chunk);
    } else
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      file?.end();
    },
  };
}

export function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until `ready()` holds, failing early when the process dies or after `timeoutMs` — and then
 * stopping the process, so a failed start never leaves it behind.
 */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  options: { process?: ManagedProcess; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    const child = options.process?.child;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await options.process?.stop();
  throw new Error(`${what} was not ready within ${(options.timeoutMs ?? 120_000) / 1000} s`);
}
