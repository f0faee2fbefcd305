export { createUser, idToken, type UserPool } from './cognito';
export { type CorsPolicy, corsPolicy } from './cors';
export { type GatewayRoute, startGateway } from './gateway';
export { type OfflineService, startOffline } from './offline';
export {
  busyPorts,
  type InfrastructureInfo,
  type PlatformInfo,
  type RunningInfrastructure,
  type RunningPlatform,
  startInfrastructure,
  startPlatform,
  stateFile,
} from './platform';
export { PORT_LAYOUTS, platformPorts } from './ports';
export { kindOf, kindsOf, liveProcesses, type ProcessEntry, processesMentioning, processTree } from './process-tree';
export { describeService, type ServiceDefinition, serviceNames, servicesDir } from './services';
