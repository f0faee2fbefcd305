// One service of the platform under `sls offline`, restartable (npm start's reload on code change).
import { toolEnv } from './environment';
import { type LogSink, type ManagedProcess, startProcess, waitFor } from './processes';
import { type ServiceDefinition, slsBin } from './services';

/**
 * How the platform runs `sls offline` (README, "Work on one service", has a developer type the same
 * command without these):
 * - `--useInProcess`: every function of the service runs in its process, each bundle loaded once.
 *   serverless-offline's default, a worker thread per function and per concurrent request, loads
 *   one more copy of the bundle (~25 MB) for each: gigabytes under a burst (perf figure R8).
 * - `TENANTRY_OFFLINE_WATCH=off`: serverless-esbuild does not watch the sources; in-process
 *   handlers cannot be reloaded, so the platform restarts the service instead (npm start) or never
 *   (tests).
 */
export const OFFLINE_ARGS = ['offline', '--useInProcess'];

export interface OfflineService {
  name: string;
  /** Resolves once the service answers (at once, unless a restart is under way). */
  ready(): Promise<void>;
  /** Stops the service and starts it again (its bundles built anew); resolves once it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOffline(
  service: ServiceDefinition,
  ports: { http: number; lambda: number },
  options: { dataDir: string; logs: LogSink; offset: number },
): Promise<OfflineService> {
  /** The process being started, so that a stop during a restart does not wait for its build. */
  let launching: ManagedProcess | undefined;
  const launch = async (): Promise<ManagedProcess> => {
    // Stage local takes its parameters, ports included, from the state file of this data dir.
    const offline = startProcess(service.name, process.execPath, [slsBin(service.dir), ...OFFLINE_ARGS], {
      cwd: service.dir,
      env: toolEnv({
        TENANTRY_DATA_DIR: options.dataDir,
        // Each platform instance builds into its own folder, so tests can run beside `npm start`.
        TENANTRY_BUILD_DIR: `.esbuild/offline-${options.offset}`,
        TENANTRY_OFFLINE_WATCH: 'off',
      }),
      logs: options.logs,
    });
    launching = offline;
    // Ready when the service itself answers its health route (an open port could be someone else's).
    const health = `http://127.0.0.1:${ports.http}/health/${service.name}`;
    try {
      await waitFor(
        `${service.name} (serverless-offline)`,
        async () => (await fetch(health, { signal: AbortSignal.timeout(2000) })).ok,
        // Four services bundle at once on two cores: under load, that alone can take minutes.
        { process: offline, timeoutMs: 300_000 },
      );
    } finally {
      launching = undefined;
    }
    return offline;
  };

  let current = await launch();
  let stopped = false;
  let restarting: Promise<void> | undefined;
  let again = false;

  const restart = (): Promise<void> => {
    if (restarting) {
      // A change while restarting: restart once more when this one is done.
      again = true;
      return restarting;
    }
    restarting = (async () => {
      do {
        again = false;
        await current.stop();
        if (stopped) return;
        current = await launch();
        if (stopped) await current.stop();
      } while (again && !stopped);
    })().finally(() => {
      restarting = undefined;
    });
    return restarting;
  };

  return {
    name: service.name,
    ready: async () => {
      // A failed restart leaves the service down: requests then get the gateway's 503.
      await restarting?.catch(() => undefined);
    },
    restart,
    async stop() {
      stopped = true;
      await launching?.stop();
      await restarting?.catch(() => undefined);
      await current.stop();
    },
  };
}
