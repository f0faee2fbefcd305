// `npm start` picks up code changes: it watches each service's sources and the workspace packages
// they use, and restarts the `sls offline` of every service a change reaches (its bundles are built
// anew). A restart, not serverless-esbuild's watch: the platform runs handlers in the service's own
// process (`--useInProcess`, for the platform's memory), where an ES module, once imported, cannot be loaded again.
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './environment';

/** Files whose change can change a bundle (editors' swap and backup files are not among them). */
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/**
 * For each service, the folders whose files end up in its bundles: its own `src/`, and `src/` (and
 * `generated/`) of every workspace package it depends on, directly or through another package.
 */
export function sourceFolders(services: string[], root = repoRoot): Map<string, string[]> {
  const packagesDir = join(root, 'packages');
  const packages = new Map<string, { dir: string; manifest: Manifest }>();
  for (const name of readdirSync(packagesDir)) {
    const dir = join(packagesDir, name);
    if (existsSync(join(dir, 'package.json')))
      packages.set(readManifest(dir).name, { dir, manifest: readManifest(dir) });
  }
  const workspaceDependencies = (manifest: Manifest) =>
    Object.keys(manifest.dependencies ?? {}).filter((dependency) => packages.has(dependency));
  const folders = new Map<string, string[]>();
  for (const service of services) {
    const serviceDir = join(root, 'services', service);
    const reached = new Set<string>();
    const visit = (name: string) => {
      if (reached.has(name)) return;
      reached.add(name);
      for (const next of workspaceDependencies(packages.get(name)!.manifest)) visit(next);
    };
    for (const dependency of workspaceDependencies(readManifest(serviceDir))) visit(dependency);
    const dirs = [join(serviceDir, 'src')];
    for (const name of reached) {
      for (const sub of ['src', 'generated']) {
        const dir = join(packages.get(name)!.dir, sub);
        if (existsSync(dir)) dirs.push(dir);
      }
    }
    folders.set(service, dirs.sort());
  }
  return folders;
}

export interface SourceWatcher {
  close(): void;
}

/**
 * Calls `onChange` with the services a change reached, once the files have been quiet for
 * `quietMs` (saving several files, or a formatter after the editor, makes one restart).
 */
export function watchSources(options: {
  services: string[];
  onChange: (services: string[]) => void;
  quietMs?: number;
  root?: string;
}): SourceWatcher {
  const folders = sourceFolders(options.services, options.root);
  const servicesOf = new Map<string, string[]>();
  for (const [service, dirs] of folders) {
    for (const dir of dirs) servicesOf.set(dir, [...(servicesOf.get(dir) ?? []), service]);
  }
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers = [...servicesOf.entries()].map(([dir, services]) =>
    watch(dir, { recursive: true }, (_event, file) => {
      if (file && !SOURCE.test(String(file))) return;
      for (const service of services) changed.add(service);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const reached = [...changed].sort();
        changed.clear();
        options.onChange(reached);
      }, options.quietMs ?? 300);
    }),
  );
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
