// Environment variables for one test: `stubEnv` sets (or, with undefined, deletes) a variable and
// remembers its value from before the first stub; `restoreEnv` (in an afterEach or a finally) puts
// every stubbed variable back. jest has no `vi.stubEnv`; this is the house's replacement.
// Both make @tenantry/config read the variables again (it otherwise reads each once per process).

import { resetConfig } from '@tenantry/config';

const saved = new Map<string, string | undefined>();

/** Sets `process.env[name]` (deletes it for undefined) until the next {@link restoreEnv}. */
export function stubEnv(name: string, value: string | undefined): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  resetConfig();
}

/** Puts back every variable {@link stubEnv} changed since the last restore. */
export function restoreEnv(): void {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
  resetConfig();
}
