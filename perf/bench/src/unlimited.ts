// R1 and R4 with rate limits off: the services' own handlers, unchanged, in a process whose rate-limit
// counters are taken without I/O and never refuse (the only difference from the deployed route).
// Bench-only (see ../serverless.yml): never part of a deployed package.
import { configureSecurity } from '../../../packages/security/src/index';

configureSecurity({ rateLimitStore: { increment: async () => 1, decrement: async () => undefined } });

export { handler as createApplication } from '../../../services/applications/src/functions/createApplication/handler';
export { handler as getApplication } from '../../../services/applications/src/functions/getApplication/handler';
export { handler as getOrganization } from '../../../services/organizations/src/functions/getOrganization/handler';
