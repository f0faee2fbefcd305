// The jest test environment of the repository (jest.config.js): Node's, plus a check that a test
// file leaves nothing running. A server, socket or child process a file forgets keeps its jest
// worker alive; jest then kills the worker with "A worker process has failed to exit gracefully",
// without saying which file leaked. Here the file that left one open fails, naming what. Timers are
// not counted: jest keeps timers of its own, so their number says nothing about the file.
import NodeEnvironment from 'jest-environment-node';

/** How long a file's handles may take to close after its last hook (a socket's FIN, a child's exit). */
const GRACE_MS = 2000;

const NOT_COUNTED = new Set(['Timeout', 'Immediate']);

const countsOf = (resources: string[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const resource of resources.filter((name) => !NOT_COUNTED.has(name))) {
    counts.set(resource, (counts.get(resource) ?? 0) + 1);
  }
  return counts;
};

/** What keeps the event loop alive now and did not before the file ran, e.g. ['TCPServerWrap × 1']. */
function leftOpen(before: Map<string, number>): string[] {
  return [...countsOf(process.getActiveResourcesInfo())]
    .map(([resource, count]) => [resource, count - (before.get(resource) ?? 0)] as const)
    .filter(([, extra]) => extra > 0)
    .map(([resource, extra]) => `${resource} × ${extra}`);
}

export default class TenantryEnvironment extends NodeEnvironment {
  private before = new Map<string, number>();

  override async setup(): Promise<void> {
    await super.setup();
    this.before = countsOf(process.getActiveResourcesInfo());
  }

  override async teardown(): Promise<void> {
    const deadline = Date.now() + GRACE_MS;
    let open = leftOpen(this.before);
    while (open.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50).unref());
      open = leftOpen(this.before);
    }
    await super.teardown();
    if (open.length > 0) {
      throw new Error(
        `the test file left open ${open.join(', ')} (close servers and sockets, stop child processes, destroy SDK clients in an afterAll)`,
      );
    }
  }
}
