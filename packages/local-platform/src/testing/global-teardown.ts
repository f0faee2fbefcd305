// jest global teardown: stops the platform that global-setup.ts started (jest runs the two as
// separate modules, so the setup leaves its stop function on globalThis).
import { STOP_TEST_PLATFORM } from './global-setup';

export default async function teardown(): Promise<void> {
  const stop = (globalThis as Record<symbol, (() => Promise<void>) | undefined>)[STOP_TEST_PLATFORM];
  await stop?.();
}
