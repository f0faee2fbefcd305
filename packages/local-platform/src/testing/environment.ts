// The jest test environment of the repository (jest.config.js): Node's, plus a check that a test
// file leaves nothing running. A server, socket or child process a file forgets keeps its jest
// worker alive; jest then kills the worker with "A worker process has failed to exit gracefully",
// without saying which file leaked. Here the file that left one open fails, naming what. Timers are
// not counted: jest keeps timers of its own, so their number says nothing about the file.
//
// When jest runs in band (one file, or few fast ones), the file runs in the process that started the
// test platform, so the gateway's and the event bus's ends of the connections they accepted are open
// in it too: the gateway keeps a fetch's idle keep-alive connection 65 s, the event bus a service's
// 5 s. Those ends belong to the platform, not to the file, and are not counted. The file's own end of
// a connection is: an idle keep-alive socket of fetch's or an SDK client's pool is unref'd (it keeps
// nothing alive and is not counted), a socket the file left open is.
import { Server } from 'node:net';
import NodeEnvironment from 'jest-environment-node';

/** How long a file's handles may take to close after its last hook (a socket's FIN, a child's exit). */
const GRACE_MS = 2000;

const NOT_COUNTED = new Set(['Timeout', 'Immediate']);

/**
 * The objects (servers, sockets, child processes…) whose handles keep the event loop alive. Node
 * names them publicly (process.getActiveResourcesInfo) but hands the objects out only here.
 */
export const activeHandles = (): unknown[] =>
  (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();

const isStandardStream = (handle: unknown) => {
  const fd = (handle as { _handle?: { fd?: number } })._handle?.fd;
  return fd === 0 || fd === 1 || fd === 2;
};

const acceptedBy = (servers: Set<Server>) => (handle: unknown) =>
  servers.has((handle as { server?: Server }).server as Server);

/** What keeps the event loop alive, by kind, leaving out the connections `platform`'s servers accepted. */
function countsOf(platform: Set<Server>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resource of process.getActiveResourcesInfo().filter((name) => !NOT_COUNTED.has(name))) {
    counts.set(resource, (counts.get(resource) ?? 0) + 1);
  }
  const handles = activeHandles();
  const accepted = handles.filter(acceptedBy(platform)).length;
  if (accepted > 0) counts.set('TCPSocketWrap', (counts.get('TCPSocketWrap') ?? 0) - accepted);
  // The process's own stdin, stdout and stderr (a pipe under CI) open at first use, by whoever touches
  // them first (a library reading `process.stdin`): the process's, never a file's leak.
  for (const handle of handles.filter(isStandardStream)) {
    const kind = (handle as { _handle?: object })._handle?.constructor.name === 'TTY' ? 'TTYWrap' : 'PipeWrap';
    counts.set(kind, (counts.get(kind) ?? 0) - 1);
  }
  return counts;
}

/** What keeps the event loop alive now and did not before the file ran, e.g. ['TCPServerWrap × 1']. */
function leftOpen(before: Map<string, number>, platform: Set<Server>): string[] {
  return [...countsOf(platform)]
    .map(([resource, count]) => [resource, count - (before.get(resource) ?? 0)] as const)
    .filter(([, extra]) => extra > 0)
    .map(([resource, extra]) => `${resource} × ${extra}`);
}

export default class TenantryEnvironment extends NodeEnvironment {
  private before = new Map<string, number>();
  /** The servers listening before the file ran: the test platform's, when jest runs in band. */
  private platform = new Set<Server>();

  override async setup(): Promise<void> {
    await super.setup();
    this.platform = new Set(activeHandles().filter((handle) => handle instanceof Server));
    // The process's own stdout and stderr open their handle (a pipe under CI) at first use, which may
    // be the file's first log line: touched here, they are counted before the file runs, not as its leak.
    void process.stdout.fd;
    void process.stderr.fd;
    this.before = countsOf(this.platform);
  }

  /**
   * When the file's last hook has run: what it left open fails the file, reported beside its tests'
   * results (an error thrown from teardown would replace them, a failing test's reason included).
   */
  async handleTestEvent(event: { name: string }, state: { unhandledErrors: unknown[] }): Promise<void> {
    if (event.name !== 'run_finish') return;
    const deadline = Date.now() + GRACE_MS;
    let open = leftOpen(this.before, this.platform);
    while (open.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50).unref());
      open = leftOpen(this.before, this.platform);
    }
    if (open.length > 0) {
      const message = `the test file left open ${open.join(', ')} (close servers and sockets, stop child processes, destroy SDK clients in an afterAll)`;
      // No stack: where the environment noticed the leak says nothing about where it was made.
      state.unhandledErrors.push(Object.assign(new Error(message), { stack: message }));
    }
  }
}
